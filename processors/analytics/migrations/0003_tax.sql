-- Tax on revenue (CAP-5.4). Revenue facts are amounts as charged, tax included; the report
-- splits each into tax and net at the rate of the trip's jurisdiction in force on the
-- fact's day. A rate change is a new row with its effective date, so facts before that
-- date keep the rate of their time and a report of the past never changes. Rows are only
-- ever added, with effective dates from the day they are added on (a back-dated rate would
-- rewrite reports already given).
CREATE TABLE tax_rates (
    jurisdiction   text         NOT NULL,
    effective_from date         NOT NULL,
    rate           numeric(7,6) NOT NULL CHECK (rate >= 0 AND rate < 1),
    source         text         NOT NULL,
    PRIMARY KEY (jurisdiction, effective_from)
);

-- trip_jurisdictions: the country and region (ISO 3166-2) a trip is sold and taxed in.
-- A trip not listed is reported under jurisdiction UNASSIGNED with no tax, visibly.
CREATE TABLE trip_jurisdictions (
    trip_id      text PRIMARY KEY,
    jurisdiction text NOT NULL
);

-- The catalog's current trips (the simulator's) and illustrative state rates on guided
-- tours; finance maintains both tables.
INSERT INTO trip_jurisdictions VALUES
    ('TRP-GRANDCANYON-RAFT-7D', 'US-AZ'), ('TRP-YOSEMITE-HIKE-3D', 'US-CA'), ('TRP-ZION-CANYONEER-1D', 'US-UT'),
    ('TRP-MOAB-BIKE-2D', 'US-UT'), ('TRP-YELLOWSTONE-WILDLIFE-4D', 'US-WY'), ('TRP-GLACIER-BACKPACK-5D', 'US-MT'),
    ('TRP-DENALI-TREK-6D', 'US-AK'), ('TRP-OLYMPIC-KAYAK-3D', 'US-WA');
INSERT INTO tax_rates VALUES
    ('US-AZ', '2020-01-01', 0.056000, 'illustrative'), ('US-CA', '2020-01-01', 0.072500, 'illustrative'),
    ('US-UT', '2020-01-01', 0.061000, 'illustrative'), ('US-WY', '2020-01-01', 0.040000, 'illustrative'),
    ('US-MT', '2020-01-01', 0.000000, 'illustrative'), ('US-AK', '2020-01-01', 0.000000, 'illustrative'),
    ('US-WA', '2020-01-01', 0.065000, 'illustrative');
