"""The data family (MLS3xx, `Family.DATA`): data read without validation or declared
types, leakage between the data a model learns from and the data it is judged or served
on, and pandas and NumPy calls that silently do something other than what the code says,
or loop over data that one vectorised call would handle."""
