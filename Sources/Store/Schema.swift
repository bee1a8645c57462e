import Energy
import GRDB

/// The database schema, as GRDB migrations. docs/database.md documents every table.
///
/// Energies are stored as whole femtojoules (`energy_fj`), exactly as `Energy` holds them,
/// so that sums in SQL equal the engine's totals bit for bit; the `*_pj` views divide by
/// 1000 for people. Times are whole picoseconds (`*_ps`), as `SimTime` holds them.
/// NULL means "none": no core (system-wide record), no layer, no time step.
enum Schema {
    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE energy_kind (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                CREATE TABLE run (
                    id INTEGER PRIMARY KEY,
                    command_line TEXT NOT NULL, tool_version TEXT NOT NULL, seed INTEGER NOT NULL,
                    started_at TEXT NOT NULL, finished_at TEXT,
                    status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted')),
                    status_detail TEXT, owner_pid INTEGER NOT NULL,
                    log_level TEXT NOT NULL CHECK (log_level IN ('events', 'steps', 'summary')),
                    topology_name TEXT NOT NULL, topology_yaml TEXT NOT NULL,
                    model_name TEXT NOT NULL, model_layers INTEGER NOT NULL, model_json TEXT NOT NULL,
                    encoder TEXT NOT NULL, time_steps INTEGER NOT NULL,
                    chips INTEGER NOT NULL, mesh_x INTEGER NOT NULL, mesh_y INTEGER NOT NULL,
                    tokens INTEGER, simulated_ps INTEGER, wall_seconds REAL, total_fj INTEGER);
                CREATE TABLE run_total (
                    run_id INTEGER NOT NULL REFERENCES run(id), kind INTEGER NOT NULL REFERENCES energy_kind(id),
                    operations INTEGER NOT NULL, energy_fj INTEGER NOT NULL, PRIMARY KEY (run_id, kind));
                CREATE TABLE energy_table (
                    run_id INTEGER NOT NULL REFERENCES run(id), name TEXT NOT NULL, pj REAL NOT NULL,
                    unit TEXT NOT NULL, source TEXT NOT NULL);
                CREATE TABLE mapping (
                    run_id INTEGER NOT NULL REFERENCES run(id), layer INTEGER NOT NULL, projection TEXT NOT NULL,
                    cores INTEGER NOT NULL, first_chip INTEGER NOT NULL, last_chip INTEGER NOT NULL);
                CREATE TABLE energy_event (
                    run_id INTEGER NOT NULL, kind INTEGER NOT NULL, time_ps INTEGER NOT NULL, chip INTEGER NOT NULL,
                    core INTEGER, layer INTEGER, token INTEGER NOT NULL, step INTEGER,
                    count INTEGER NOT NULL, energy_fj INTEGER NOT NULL);
                CREATE TABLE energy_step (
                    run_id INTEGER NOT NULL, token INTEGER NOT NULL, step INTEGER, chip INTEGER NOT NULL, core INTEGER,
                    layer INTEGER, kind INTEGER NOT NULL, count INTEGER NOT NULL, energy_fj INTEGER NOT NULL, records INTEGER NOT NULL,
                    first_time_ps INTEGER NOT NULL, last_time_ps INTEGER NOT NULL);
                CREATE TABLE energy_summary (
                    run_id INTEGER NOT NULL, token INTEGER NOT NULL, layer INTEGER, kind INTEGER NOT NULL,
                    count INTEGER NOT NULL, energy_fj INTEGER NOT NULL, records INTEGER NOT NULL,
                    first_time_ps INTEGER NOT NULL, last_time_ps INTEGER NOT NULL);
                CREATE TABLE core_energy (
                    run_id INTEGER NOT NULL, chip INTEGER NOT NULL, core INTEGER, kind INTEGER NOT NULL,
                    count INTEGER NOT NULL, energy_fj INTEGER NOT NULL);
                CREATE TABLE layer_activity (
                    run_id INTEGER NOT NULL REFERENCES run(id), token INTEGER NOT NULL, layer INTEGER NOT NULL,
                    stage TEXT NOT NULL, neurons INTEGER NOT NULL, time_steps INTEGER NOT NULL, spikes INTEGER NOT NULL,
                    silent_fraction REAL NOT NULL, firing_rate REAL NOT NULL);
                CREATE TABLE link_traffic (
                    run_id INTEGER NOT NULL REFERENCES run(id), chip INTEGER NOT NULL, router INTEGER NOT NULL,
                    direction TEXT NOT NULL, packets INTEGER NOT NULL);
                CREATE TABLE baseline (
                    run_id INTEGER NOT NULL REFERENCES run(id), precision TEXT NOT NULL, layer INTEGER,
                    component TEXT NOT NULL, operations REAL NOT NULL, energy_pj REAL NOT NULL);
                CREATE TABLE comparison (
                    run_id INTEGER NOT NULL REFERENCES run(id), level INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
                    name TEXT NOT NULL, spiking_pj REAL NOT NULL, fp16_pj REAL NOT NULL, int8_pj REAL NOT NULL,
                    PRIMARY KEY (run_id, level));
                CREATE INDEX energy_summary_run ON energy_summary(run_id);
                CREATE INDEX energy_step_run ON energy_step(run_id);
                CREATE INDEX core_energy_run ON core_energy(run_id);
                CREATE INDEX layer_activity_run ON layer_activity(run_id);
                CREATE INDEX link_traffic_run ON link_traffic(run_id);
                CREATE INDEX baseline_run ON baseline(run_id);
                CREATE VIEW energy_event_pj AS
                    SELECT e.run_id, k.name AS kind, e.time_ps / 1000.0 AS time_ns, e.chip, e.core, e.layer, e.token,
                           e.step, e.count, e.energy_fj / 1000.0 AS pj
                    FROM energy_event e JOIN energy_kind k ON k.id = e.kind;
                CREATE VIEW energy_step_pj AS
                    SELECT s.run_id, s.token, s.step, s.chip, s.core, s.layer, k.name AS kind, s.count,
                           s.energy_fj / 1000.0 AS pj, s.records, s.first_time_ps / 1000.0 AS first_ns,
                           s.last_time_ps / 1000.0 AS last_ns
                    FROM energy_step s JOIN energy_kind k ON k.id = s.kind;
                CREATE VIEW energy_summary_pj AS
                    SELECT s.run_id, s.token, s.layer, k.name AS kind, s.count, s.energy_fj / 1000.0 AS pj, s.records,
                           s.first_time_ps / 1000.0 AS first_ns, s.last_time_ps / 1000.0 AS last_ns
                    FROM energy_summary s JOIN energy_kind k ON k.id = s.kind;
                """)
            // The event table has no index on purpose: appends must stay at millions of rows per second.
            // Queries over one run scan it; `CREATE INDEX energy_event_run ON energy_event(run_id)` after the fact helps sweeps.
        }
        // v2: the energy study (docs/energy-study.md): dense scenarios with ranges, break-even points,
        // the node, area, power and spike statistics of a run, and every figure's range and citation.
        m.registerMigration("v2") { db in
            try db.execute(sql: """
                ALTER TABLE baseline ADD COLUMN scenario TEXT;
                ALTER TABLE energy_table ADD COLUMN low_pj REAL;
                ALTER TABLE energy_table ADD COLUMN high_pj REAL;
                CREATE TABLE scenario_level (
                    run_id INTEGER NOT NULL REFERENCES run(id), scenario TEXT NOT NULL, assumption TEXT NOT NULL,
                    level INTEGER NOT NULL CHECK (level IN (1, 2, 3)), name TEXT NOT NULL,
                    spiking_pj REAL NOT NULL, spiking_low_pj REAL NOT NULL, spiking_high_pj REAL NOT NULL,
                    fp16_pj REAL NOT NULL, fp16_low_pj REAL NOT NULL, fp16_high_pj REAL NOT NULL,
                    int8_pj REAL NOT NULL, int8_low_pj REAL NOT NULL, int8_high_pj REAL NOT NULL,
                    fp16_factor_low REAL NOT NULL, fp16_factor_high REAL NOT NULL,
                    int8_factor_low REAL NOT NULL, int8_factor_high REAL NOT NULL,
                    PRIMARY KEY (run_id, scenario, level));
                CREATE TABLE break_even (
                    run_id INTEGER NOT NULL REFERENCES run(id), scenario TEXT NOT NULL, level INTEGER NOT NULL,
                    versus TEXT NOT NULL, spikes_per_activation REAL, firing_rate_per_step REAL,
                    PRIMARY KEY (run_id, scenario, level, versus));
                CREATE TABLE study (
                    run_id INTEGER PRIMARY KEY REFERENCES run(id), chips_x INTEGER NOT NULL, technology_nm INTEGER NOT NULL, voltage_v REAL NOT NULL,
                    area_mm2 REAL NOT NULL, largest_chip_mm2 REAL NOT NULL, reticle_mm2 REAL NOT NULL,
                    static_mw REAL NOT NULL, static_low_mw REAL NOT NULL, static_high_mw REAL NOT NULL,
                    latency_ns REAL NOT NULL, average_power_w REAL NOT NULL, energy_delay_pj_ns REAL NOT NULL,
                    silent_per_token REAL NOT NULL, spikes_per_activation REAL NOT NULL, firing_rate_per_step REAL NOT NULL,
                    statistics TEXT NOT NULL);
                CREATE TABLE sensitivity (
                    run_id INTEGER NOT NULL REFERENCES run(id), scenario TEXT NOT NULL, level INTEGER NOT NULL, versus TEXT NOT NULL,
                    figure TEXT NOT NULL, ratio_at_low REAL NOT NULL, ratio_at_high REAL NOT NULL,
                    PRIMARY KEY (run_id, scenario, level, versus, figure));
                """)
        }
        // v3: sweeps (docs/design-exploration.md). A point's run carries its sweep and point; the
        // transaction that completes the run completes the point, so a sweep killed at any moment
        // never stores a point twice and never loses a finished one.
        m.registerMigration("v3") { db in
            try db.execute(sql: """
                ALTER TABLE run ADD COLUMN sweep_id INTEGER;
                ALTER TABLE run ADD COLUMN sweep_point INTEGER;
                ALTER TABLE study ADD COLUMN cores_used INTEGER;
                ALTER TABLE study ADD COLUMN chips_used INTEGER;
                ALTER TABLE study ADD COLUMN powered_area_mm2 REAL;
                ALTER TABLE study ADD COLUMN top1_agreement REAL;
                ALTER TABLE study ADD COLUMN mean_kl REAL;
                CREATE TABLE sweep (
                    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, spec_file TEXT NOT NULL, spec_yaml TEXT NOT NULL,
                    base_topology TEXT NOT NULL, base_topology_yaml TEXT NOT NULL, sampling TEXT NOT NULL,
                    points INTEGER NOT NULL, created_at TEXT NOT NULL, tool_version TEXT NOT NULL);
                CREATE TABLE sweep_point (
                    sweep_id INTEGER NOT NULL REFERENCES sweep(id), point INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'complete', 'failed', 'skipped')),
                    run_id INTEGER REFERENCES run(id), arguments TEXT NOT NULL, message TEXT, attempts INTEGER NOT NULL,
                    PRIMARY KEY (sweep_id, point));
                CREATE TABLE sweep_parameter (
                    sweep_id INTEGER NOT NULL REFERENCES sweep(id), point INTEGER NOT NULL, key TEXT NOT NULL, value,
                    PRIMARY KEY (sweep_id, point, key));
                CREATE VIEW sweep_result AS
                    SELECT s.name AS sweep, p.point, p.status, p.run_id, p.message,
                           r.total_fj / 1000.0 / r.tokens AS pj_per_token, st.latency_ns AS latency_ns_per_token,
                           st.powered_area_mm2 AS area_mm2, st.cores_used, st.chips_used AS chips, st.static_mw, st.average_power_w,
                           l.fp16_pj / l.spiking_pj AS fp16_over_spiking, l.int8_pj / l.spiking_pj AS int8_over_spiking,
                           st.top1_agreement, st.mean_kl
                    FROM sweep_point p JOIN sweep s ON s.id = p.sweep_id
                    LEFT JOIN run r ON r.id = p.run_id AND r.status = 'complete'
                    LEFT JOIN study st ON st.run_id = r.id
                    LEFT JOIN scenario_level l ON l.run_id = r.id AND l.scenario = 'same-memory' AND l.level = 3;
                """)
        }
        m.registerMigration("v4") { db in
            try db.execute(sql: """
                CREATE TABLE network_population (
                    run_id INTEGER NOT NULL REFERENCES run(id), population INTEGER NOT NULL, name TEXT NOT NULL,
                    kind TEXT NOT NULL, neurons INTEGER NOT NULL, cores INTEGER NOT NULL, spikes INTEGER NOT NULL, is_output INTEGER NOT NULL,
                    PRIMARY KEY (run_id, population));
                CREATE TABLE network_step (
                    run_id INTEGER NOT NULL REFERENCES run(id), step INTEGER NOT NULL, end_ps INTEGER NOT NULL,
                    PRIMARY KEY (run_id, step));
                CREATE TABLE network_spike (
                    run_id INTEGER NOT NULL REFERENCES run(id), step INTEGER NOT NULL, population INTEGER NOT NULL, neuron INTEGER NOT NULL);
                CREATE INDEX network_spike_run ON network_spike (run_id, population, neuron);
                CREATE TABLE network_membrane (
                    run_id INTEGER NOT NULL REFERENCES run(id), step INTEGER NOT NULL, population INTEGER NOT NULL, neuron INTEGER NOT NULL,
                    v REAL NOT NULL);
                """)
        }
        return m
    }()

    /// The first table column that the migrations applied to `db` create but `db` lacks, as a sentence;
    /// nil when every table is whole. The reference is a fresh in-memory database migrated just as far.
    static func missingColumn(_ db: Database) throws -> String? {
        let applied = try migrator.appliedIdentifiers(db)
        guard let last = migrator.migrations.last(where: { applied.contains($0) }) else { return nil }
        let reference = try DatabaseQueue()
        try migrator.migrate(reference, upTo: last)
        let expected = try reference.read { ref in
            try String.fetchAll(ref, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb_%' ORDER BY name").map { table in
                (table, try String.fetchAll(ref, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]))
            }
        }
        for (table, columns) in expected {
            let present = Set(try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]))
            if present.isEmpty { return "table \(table) is missing" }
            if let missing = columns.first(where: { !present.contains($0) }) {
                return "table \(table) lacks column \(missing); the file was edited or damaged (a fresh --db starts a new one)"
            }
        }
        return nil
    }

    /// Whether the migrations applied to `db` include `identifier` (a file from an older build may lack later tables).
    static func has(_ identifier: String, _ db: Database) throws -> Bool {
        try migrator.appliedIdentifiers(db).contains(identifier)
    }

    /// Adds the kinds this build knows to `energy_kind`, at every read-write open, so that a
    /// file created before a kind was added can name it too.
    static func registerKinds(_ db: Database) throws {
        for kind in EnergyKind.allCases {
            try db.execute(sql: "INSERT OR IGNORE INTO energy_kind (id, name) VALUES (?, ?)", arguments: [Int(kind.rawValue), kind.name])
        }
    }
}
