"""The engine: parse once, resolve names once, walk once, dispatch to every rule."""
