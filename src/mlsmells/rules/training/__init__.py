"""The model training and evaluation family (MLS5xx, `Family.TRAINING`): PyTorch training
and evaluation loops that run but not as meant, fragile or wasteful tensor arithmetic,
TensorFlow and Keras APIs that waste memory or time, and models left at default
hyperparameters or judged on the data they were fitted on or at a single threshold."""
