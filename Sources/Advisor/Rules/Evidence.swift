/// The citations the rules give as evidence, spelled once, as shared/ADVISOR-EVIDENCE.md names them.
public enum Evidence {
    public static let yosinski = "Yosinski et al., NeurIPS 2014 (how transferable are features)"
    public static let cs231n = "CS231n notes (transfer learning)"
    public static let surgical = "Lee et al., ICLR 2023 (surgical fine-tuning)"
    public static let lpft = "Kumar et al., ICLR 2022 (LP-FT)"
    public static let elsa = "Lee, Tang & Lin 2019 (What Would Elsa Do?)"
    public static let frozenRoberta = "RoBERTa-base SST-2 freezing experiment (blog 2020)"
    public static let mosbach = "Mosbach et al., ICLR 2021 (fine-tuning stability)"
    public static let zhang = "Zhang et al., ICLR 2021 (revisiting few-sample BERT fine-tuning)"
    public static let devlin = "Devlin et al., NAACL 2019 (BERT, App. A.3)"
    public static let bit = "Kolesnikov et al., ECCV 2020 (BiT-HyperRule, bit_hyperrule.py)"
    public static let tllib = "Transfer-Learning-Library (head LR 0.01, backbone 0.1×)"
    public static let autogluon = "AutoGluon AutoMM default.yaml (layer-wise decay 0.9)"
    public static let featureCache = "TF-Hub retrain.py (cached bottleneck features)"
}
