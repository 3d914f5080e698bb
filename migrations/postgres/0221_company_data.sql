-- Companies House company data (issue 22): the company's status, the day it
-- was dissolved (out of scope for every year whose statement fell due after
-- it) and its SIC codes. Dates are 'YYYY-MM-DD' text on both backends, so
-- that they compare with a year's due date built in SQL. Kept in step with
-- migrations/sqlite.
ALTER TABLE organisations ADD COLUMN company_status TEXT;
ALTER TABLE organisations ADD COLUMN dissolved_on TEXT;
ALTER TABLE organisations ADD COLUMN sic_codes TEXT;
