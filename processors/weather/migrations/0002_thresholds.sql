-- Default thresholds (see README "Cancellation triggers"). Wind and gusts in km/h,
-- probabilities in %, temperatures in °C (cold: the wind chill), visibility in metres.
INSERT INTO risk_thresholds (activity, factor, direction, caution, cancel) VALUES
    ('*',             'wind_kmh',      'above',  40,   60),
    ('*',             'gust_kmh',      'above',  60,   85),
    ('*',             'precip_pct',    'above',  60,   90),
    ('*',             'lightning_pct', 'above',  20,   40),
    ('*',             'heat_index_c',  'above',  32,   40),
    ('*',             'cold_c',        'below',  -10,  -25),
    ('*',             'visibility_m',  'below',  1000, 200),
    ('rafting',       'wind_kmh',      'above',  30,   45),
    ('rafting',       'precip_pct',    'above',  50,   80),
    ('rafting',       'lightning_pct', 'above',  10,   25),
    ('kayaking',      'wind_kmh',      'above',  20,   35),
    ('kayaking',      'gust_kmh',      'above',  35,   55),
    ('kayaking',      'lightning_pct', 'above',  10,   25),
    ('kayaking',      'visibility_m',  'below',  2000, 500),
    ('canyoneering',  'precip_pct',    'above',  30,   50),
    ('canyoneering',  'lightning_pct', 'above',  10,   20),
    ('backpacking',   'cold_c',        'below',  -5,   -18),
    ('biking',        'heat_index_c',  'above',  30,   37),
    ('trekking',      'cold_c',        'below',  -15,  -30);

-- The known areas: NovaTrek's departure locations (the dev simulator's world uses these ids).
INSERT INTO areas (location_id, name, latitude, longitude, activity) VALUES
    ('LOC-LEES-FERRY',       'Lees Ferry, Grand Canyon',   36.8650, -111.5880, 'rafting'),
    ('LOC-YOSEMITE-VALLEY',  'Yosemite Valley',            37.7456, -119.5936, 'hiking'),
    ('LOC-SPRINGDALE',       'Springdale, Zion',           37.1889, -112.9986, 'canyoneering'),
    ('LOC-GARDINER',         'Gardiner, Yellowstone',      45.0322, -110.7053, 'wildlife'),
    ('LOC-APGAR',            'Apgar, Glacier',             48.5280, -113.9870, 'backpacking'),
    ('LOC-MOAB',             'Moab',                       38.5733, -109.5498, 'biking'),
    ('LOC-PORT-ANGELES',     'Port Angeles, Olympic',      48.1181, -123.4307, 'kayaking'),
    ('LOC-HEALY',            'Healy, Denali',              63.8572, -148.9661, 'trekking');
