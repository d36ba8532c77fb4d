/// The channel rounding every MobileNet/EfficientNet implementation shares: the nearest multiple
/// of `divisor`, never more than 10% below `value` (torchvision's and timm's `make_divisible`).
func makeDivisible(_ value: Double, _ divisor: Int = 8) -> Int {
    var rounded = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
    if Double(rounded) < 0.9 * value { rounded += divisor }
    return rounded
}
