"""The challenge catalog: data files only (see README.md). Installed as mlsmells._challenges."""
