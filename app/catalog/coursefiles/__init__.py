"""The course folder format (courses/README.md): its content as data (content), YAML checked with line numbers
(yamlcheck), reading a folder (reading), reviewer warnings (lint) and writing one back (writing)."""
