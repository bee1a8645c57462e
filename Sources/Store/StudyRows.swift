/// A value with its low and high ends, as stored (`*_pj`, `*_low_pj`, `*_high_pj`).
public struct RangedValue: Sendable, Equatable {
    public var value: Double
    public var low: Double
    public var high: Double
    public init(value: Double, low: Double, high: Double) { self.value = value; self.low = low; self.high = high }
}

/// One level of one dense scenario (`scenario_level`).
public struct ScenarioLevelRow: Sendable, Equatable {
    public var scenario: String
    public var assumption: String
    public var level: Int
    public var name: String
    public var spiking: RangedValue
    public var fp16: RangedValue
    public var int8: RangedValue
    /// dense / spiking, lowest to highest.
    public var fp16Factor: ClosedRange<Double>
    public var int8Factor: ClosedRange<Double>

    public init(scenario: String, assumption: String, level: Int, name: String, spiking: RangedValue, fp16: RangedValue, int8: RangedValue,
                fp16Factor: ClosedRange<Double>, int8Factor: ClosedRange<Double>) {
        self.scenario = scenario; self.assumption = assumption; self.level = level; self.name = name; self.spiking = spiking
        self.fp16 = fp16; self.int8 = int8; self.fp16Factor = fp16Factor; self.int8Factor = int8Factor
    }
}

/// Spikes per activation at which the chip's energy equals a dense precision's (`break_even`); nil: never.
public struct BreakEvenRow: Sendable, Equatable {
    public var scenario: String
    public var level: Int
    public var versus: String
    public var spikesPerActivation: Double?
    public var firingRatePerStep: Double?

    public init(scenario: String, level: Int, versus: String, spikesPerActivation: Double?, firingRatePerStep: Double?) {
        self.scenario = scenario; self.level = level; self.versus = versus
        self.spikesPerActivation = spikesPerActivation; self.firingRatePerStep = firingRatePerStep
    }
}

/// A run's node, silicon, power and spike statistics (`study`).
public struct StudyRow: Sendable, Equatable {
    /// Chips along x (the heat map lays chips out as the board does).
    public var chipsX: Int
    public var technologyNanometres: Int
    public var voltage: Double
    public var squareMillimetres: Double
    public var largestChipSquareMillimetres: Double
    public var reticleSquareMillimetres: Double
    public var staticMilliwatts: RangedValue
    /// Mean simulated latency per token, ns.
    public var latencyNanoseconds: Double
    /// Energy per token / latency per token, W.
    public var averagePowerWatts: Double
    /// Energy per token × latency per token, pJ·ns.
    public var energyDelay: Double
    public var silentPerToken: Double
    public var spikesPerActivation: Double
    public var firingRatePerStep: Double
    /// What backs the spike statistics (the paper's, a trace's, a closed loop's).
    public var statistics: String
    /// Cores and chips the mapping occupies (nil in runs stored before schema v3).
    public var coresUsed: Int?
    public var chipsUsed: Int?
    /// Area of the chips that hold cores, mm² (`squareMillimetres` is the whole board's).
    public var poweredSquareMillimetres: Double?
    /// Closed loop with `--fidelity`: share of positions whose top token equals the dense model's, and mean KL(dense ‖ chip).
    public var top1Agreement: Double?
    public var meanKL: Double?

    public init(chipsX: Int, technologyNanometres: Int, voltage: Double, squareMillimetres: Double, largestChipSquareMillimetres: Double,
                reticleSquareMillimetres: Double, staticMilliwatts: RangedValue, latencyNanoseconds: Double, averagePowerWatts: Double,
                energyDelay: Double, silentPerToken: Double, spikesPerActivation: Double, firingRatePerStep: Double, statistics: String,
                coresUsed: Int? = nil, chipsUsed: Int? = nil, poweredSquareMillimetres: Double? = nil) {
        self.chipsX = chipsX; self.technologyNanometres = technologyNanometres; self.voltage = voltage; self.squareMillimetres = squareMillimetres
        self.largestChipSquareMillimetres = largestChipSquareMillimetres; self.reticleSquareMillimetres = reticleSquareMillimetres
        self.staticMilliwatts = staticMilliwatts; self.latencyNanoseconds = latencyNanoseconds; self.averagePowerWatts = averagePowerWatts
        self.energyDelay = energyDelay; self.silentPerToken = silentPerToken; self.spikesPerActivation = spikesPerActivation
        self.firingRatePerStep = firingRatePerStep; self.statistics = statistics
        self.coresUsed = coresUsed; self.chipsUsed = chipsUsed; self.poweredSquareMillimetres = poweredSquareMillimetres
    }
}

/// Dense / spiking with one figure alone at its low and high end (`sensitivity`): a tornado chart's bar.
public struct SensitivityRow: Sendable, Equatable {
    public var scenario: String
    public var level: Int
    public var versus: String
    public var figure: String
    public var ratioAtLow: Double
    public var ratioAtHigh: Double

    public init(scenario: String, level: Int, versus: String, figure: String, ratioAtLow: Double, ratioAtHigh: Double) {
        self.scenario = scenario; self.level = level; self.versus = versus; self.figure = figure
        self.ratioAtLow = ratioAtLow; self.ratioAtHigh = ratioAtHigh
    }
}
