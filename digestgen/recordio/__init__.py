"""Writing records into files people also edit by hand: the YAML written
(recordyaml), fields merged with what a person wrote (recordmerge), files
planned and written (recordfile)."""
