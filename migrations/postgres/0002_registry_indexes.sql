-- The first registry year in the data is asked for on every list and export.
CREATE INDEX organisations_first_year ON organisations(first_year);
