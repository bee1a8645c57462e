import Baselines
import Mapping

/// The energy study of a run: the dense scenarios, the spiking side it was compared with, and
/// the silicon both were priced on.
public struct Comparison {
    public var study: EnergyStudy
    public var spiking: SpikingSide
    public var silicon: SiliconBudget
}
