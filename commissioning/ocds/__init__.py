"""Open Contracting Data Standard 1.1 publication: releases and records built from the
platform's data (build), offline schema validation (validate), and import from other systems
(importer). Codelist mappings live in codes."""
