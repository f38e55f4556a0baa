"""What a liability decision says to people: zh-CN first, English second.

Each text belongs to a rule id and, where one rule can be reached for different reasons,
a variant. Placeholders are filled by server/warranty/liability.py from the facts and the
dealer's policy, so no number of a policy is written here.
"""

# DOMAIN.md's fault categories: id → (zh-CN, English).
CATEGORY_LABELS = {
    "joint_loose": ("接头脱落", "joint came loose"),
    "seepage": ("渗水", "seepage"),
    "leak_short_circuit": ("漏水导致短路", "short circuit caused by a leak"),
    "pipe_burst": ("爆管", "pipe burst"),
    "bottle_burst": ("爆瓶", "filter-bottle burst"),
    "electrical_failure": ("电气失灵", "electrical failure"),
    "wrong_part_order": ("配件顺序或部位装错", "parts fitted in the wrong order or place"),
    "external_connection": ("机外水路电路", "water or power connection outside the machine"),
    "filter_clogged": ("滤芯堵塞", "clogged filter"),
    "membrane_worn": ("膜老化", "worn membrane"),
    "human_damage": ("人为损坏", "human damage"),
    "misuse": ("使用不当", "misuse"),
    "self_modified": ("私自拆改", "self-disassembly or modification"),
    "non_original_part": ("非原厂配件", "non-original part"),
    "external_force": ("外力", "external force"),
    "force_majeure": ("不可抗力", "force majeure"),
    "other": ("其他", "other fault"),
}

# (rule id, variant) → (zh-CN, English)
TEXTS = {
    ("L1", ""): (
        "安装后{general_months}个月内（保至{installer_ends_on}）出现{category_zh}，"
        "属安装质量问题：服务商免费维修直至解决",
        "{category_en} within {general_months_en} of installation (covered through "
        "{installer_ends_on}): installation quality; the installer repairs it free until solved",
    ),
    ("L2", ""): (
        "安装后{general_months}个月内（至{installer_ends_on}）出现{category_zh}，"
        "属产品质量问题：由经销商（厂家）承担，对顾客免费",
        "{category_en} within {general_months_en} of installation (through "
        "{installer_ends_on}): product quality; the dealer (manufacturer) pays, free to the "
        "customer",
    ),
    ("L3", ""): (
        "配件顺序或部位装错属明显安装错误，安装后{wrong_part_order_months}个月内"
        "（保至{installer_wrong_part_ends_on}）由服务商负责，免费",
        "Parts fitted in the wrong order or place are an obvious installation error, the "
        "installer's for {wrong_part_order_months_en} (covered through "
        "{installer_wrong_part_ends_on}): free",
    ),
    ("L4", ""): (
        "机外水路电路接驳问题属安装质量，安装后{external_connection_months}个月内"
        "（保至{installer_external_ends_on}）由服务商负责，免费",
        "Water or power connections outside the machine are installation quality, the "
        "installer's for {external_connection_months_en} (covered through "
        "{installer_external_ends_on}): free",
    ),
    ("L5", ""): (
        "不属于服务商的安装质保（L1–L4 不适用），由经销商的保修规则判定",
        "Not covered by the installer's guarantee (L1–L4 do not apply): the dealer's "
        "warranty decides",
    ),
    ("L6", ""): (
        "{category_zh}不由服务商承担",
        "{category_en} is never the installer's",
    ),
    ("L7", ""): (
        "滤芯已于{filters_changed_by_other_on}由顾客或第三方更换，此后的故障与服务商无关",
        "The filters were changed by the customer or a third party on "
        "{filters_changed_by_other_on}: the installer is not liable for faults after that",
    ),
    ("W1", ""): (
        "产品质量问题，在保修期内（保至{covered_through}）：经销商承担，对顾客免费",
        "A product-quality fault inside the warranty period (through {covered_through}): the "
        "dealer pays, free to the customer",
    ),
    ("W2", ""): (
        "易损件（{category_zh}）在其保修期内（保至{wearing_parts_end_on}）：经销商承担，免费",
        "A wearing part ({category_en}) inside its own period (through {wearing_parts_end_on}): "
        "the dealer pays, free",
    ),
    ("W3", ""): (
        "{category_zh}不在保修范围：顾客付费，出具费用明细",
        "{category_en} is excluded from the warranty: the customer pays, itemized",
    ),
    ("W3", "after_change"): (
        "他人换滤芯后出现{category_zh}，视为私自拆改，不在保修范围：顾客付费，出具费用明细",
        "{category_en} after someone else changed the filters counts as self-disassembly, "
        "excluded from the warranty: the customer pays, itemized",
    ),
    ("W4", ""): (
        "已过保修期（保至{covered_through}）：顾客付费，出具费用明细",
        "Outside the warranty period (which ended {covered_through}): the customer pays, itemized",
    ),
    ("W4", "no_start"): (
        "无购买（或出厂）日期记录，无法认定在保修期内：顾客付费，出具费用明细",
        "No purchase (or factory) date on record, so no warranty period can be shown: the "
        "customer pays, itemized",
    ),
    ("W4", "no_period"): (
        "经销商政策不提供整机保修：顾客付费，出具费用明细",
        "The dealer's policy gives no warranty on the unit: the customer pays, itemized",
    ),
    ("W5", ""): (
        "不可抗力：无责任方，维修由顾客付费",
        "Force majeure: nobody is liable; the repair is paid by the customer",
    ),
    ("W6", ""): (
        "易损件正常损耗，已过其保修期（保至{wearing_parts_end_on}）：顾客付费，出具费用明细",
        "Normal wear of a wearing part after its own period (through {wearing_parts_end_on}): "
        "the customer pays, itemized",
    ),
    ("W6", "no_period"): (
        "易损件正常损耗，经销商政策不提供易损件保修：顾客付费，出具费用明细",
        "Normal wear of a wearing part; the dealer's policy gives wearing parts no period: "
        "the customer pays, itemized",
    ),
    ("W6", "not_ours"): (
        "现用滤芯为顾客或第三方于{filters_changed_by_other_on}更换，不在经销商的易损件保修内："
        "顾客付费，出具费用明细",
        "The filters in use were fitted by the customer or a third party on "
        "{filters_changed_by_other_on}, outside the dealer's wearing-part period: the customer "
        "pays, itemized",
    ),
    ("V1", ""): (
        "顾客已签署减压阀免责书，{category_zh}属水损：顾客付费（免责书即为此而签）",
        "The customer signed the pressure-valve waiver and {category_en} is water damage: the "
        "customer pays (this is what the waiver is for)",
    ),
}


def months_en(n: int) -> str:
    return f"{n} month" if n == 1 else f"{n} months"


def explain(steps: list[tuple[str, str]], values: dict) -> dict:
    """The steps' texts as one sentence, each part followed by its rule id."""
    zh, en = [], []
    for rule_id, variant in steps:
        text_zh, text_en = TEXTS[(rule_id, variant)]
        text_en = text_en.format(**values)
        zh.append(f"{text_zh.format(**values)}（{rule_id}）")
        en.append(f"{text_en[:1].lower()}{text_en[1:]} ({rule_id})")
    sentence = "; ".join(en)
    return {"zh-CN": "；".join(zh) + "。", "en": sentence[:1].upper() + sentence[1:] + "."}
