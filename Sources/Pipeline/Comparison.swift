import Baselines
import Mapping

/// The energy study of a run: the dense scenarios, the spiking side it was compared with, the
/// silicon both were priced on, and the mapping's counts (computed once per run: they walk every
/// core and multicast tree).
public struct Comparison {
    public var study: EnergyStudy
    public var spiking: SpikingSide
    public var silicon: SiliconBudget
    public var mapping: MappingSummary
}
