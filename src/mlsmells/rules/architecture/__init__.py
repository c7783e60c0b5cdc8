"""The architecture debt family (MLS4xx, `Family.ARCHITECTURE`): the technical debt of ML
systems at the level of their code's structure, dead experimental codepaths, glue code
and private library APIs, pipeline jungles, other languages assembled in strings,
transformations duplicated between training and serving, model failures hidden or only
printed, and monolithic scripts."""
