"""Content: a site's files read and validated into records (load, validate, yamlsrc,
records), grouped into the site model (model, periods)."""
