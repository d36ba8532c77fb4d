import Foundation

/// The interpolation of a resize, as PIL defines it: a kernel over distances in input pixels and
/// its support (radius). When downscaling, PIL stretches the kernel by the scale factor so every
/// input pixel contributes (antialiasing); torchvision's `Resize` on a PIL image is exactly this.
public enum ResizeFilter: String, Sendable, CaseIterable {
    /// `PIL.Image.BILINEAR` (torchvision `InterpolationMode.BILINEAR`): the triangle kernel.
    case bilinear
    /// `PIL.Image.BICUBIC` (torchvision `InterpolationMode.BICUBIC`, timm's "bicubic"): Keys' cubic
    /// convolution with a = -0.5.
    case bicubic

    /// The kernel's radius at scale 1.
    var support: Double {
        switch self {
        case .bilinear: 1
        case .bicubic: 2
        }
    }

    /// The kernel's weight at distance `x` (PIL's bilinear_filter / bicubic_filter, operation for operation).
    func weight(_ x: Double) -> Double {
        let x = abs(x)
        switch self {
        case .bilinear:
            return x < 1 ? 1 - x : 0
        case .bicubic:
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}
