-- A change of a location's capacity or thresholds re-evaluates its alert state and is
-- recorded beside the occupancy changes, as source 'reconfiguration' (delta 0).
ALTER TABLE capacity_records DROP CONSTRAINT capacity_records_source_check;
ALTER TABLE capacity_records ADD CONSTRAINT capacity_records_source_check
    CHECK (source IN ('checkin', 'adjustment', 'reconfiguration'));
