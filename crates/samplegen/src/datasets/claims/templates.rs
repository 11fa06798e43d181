//! Insurance-claim descriptions. Every character must have a GBK code (the 2024 file is GBK).

/// Chinese descriptions; some span several lines.
pub const DESCRIPTIONS_ZH: [&str; 10] = [
    "{date}在{road}发生追尾事故，车辆前保险杠及大灯受损，对方车辆已报警处理。报案号{order}，联系电话{mobile}。",
    "被保险人于{date}因急性阑尾炎住院治疗，住院{n}天，医疗费用共计{amount}元，请将理赔款打入银行卡{card}。",
    "家中厨房水管爆裂导致地板泡水，损失约{amount}元。被保险人身份证号{id}，邮箱{email}。",
    "车辆停放期间被刮蹭，监控显示时间{ts}，已联系物业调取录像，车主电话{mobile}。",
    "行李在航班延误期间丢失，航空公司已出具证明，流水号{bad_id}，请按行李险理赔。",
    "事故经过：{date}驾车途经{road}时与前车发生碰撞。\n损失情况：前杠、水箱受损，维修报价{amount}元。\n联系方式：{mobile}",
    "被保险人{date}在家中摔倒导致骨折，门诊及住院费用{amount}元，身份证{id}，收款卡号{card}。",
    "台风过境导致厂房屋顶受损，初步估损{amount}元。\n现场照片已上传，联系人手机：{mobile_fw}。",
    "手机屏幕意外摔碎，购买凭证订单号{order}，维修费用{amount}元，联系邮箱{email}。",
    "宠物医疗险：爱犬因肠胃炎就诊{n}次，费用合计{amount}元，请退至银行卡{card}，谢谢。",
];

/// English descriptions; one quotes the customer, some span several lines.
pub const DESCRIPTIONS_EN: [&str; 8] = [
    "Policyholder reports water damage in the kitchen after a pipe burst on {date}. Estimated loss {amount} CNY. Contact {email} or {intl_phone}.",
    "Rear-end collision on {road}; third party admitted liability. Police report {order}. Please pay out to card {card}.",
    "Hospitalised for {n} days after a fall. Medical bills attached, total {amount} CNY. ID number {id}.",
    "Laptop stolen from hotel room, reported to police at {ts}. Device firmware {version}, invoice reference {bad_card}.",
    "Customer said \"the car was parked\" when it was hit on {road}. Dashcam footage available, call {mobile}.",
    "Flight cancelled on {date}; claiming hotel and meal costs of {amount} CNY.\nBooking reference {order}.\nReply to {email}.",
    "Storm damage to roof tiles and gutters. Contractor quote {amount} CNY. Bank card for payment: {card}; phone {intl_phone}.",
    "Windscreen cracked by flying gravel on {road}. Repair shop invoice {order}, amount {amount} CNY.",
];

/// Descriptions written without quotes although they hold a comma: the row gets a 10th column
/// (the `too_many_columns` defect).
pub const UNQUOTED_WITH_COMMA: [&str; 3] = [
    "Minor scratch on rear door, customer will bring the car in next week",
    "Broken side mirror in car park, repair quote pending from the dealer",
    "车门轻微剐蹭,客户下周到店定损",
];

/// Descriptions too short for the length rule (`short_description`).
pub const SHORT_DESCRIPTIONS: [&str; 5] = ["见附件", "同上", "n/a", "Rear bumper", "待补充"];

/// Amounts that are not numbers (`non_numeric_amount`).
pub const NON_NUMERIC_AMOUNTS: [&str; 5] = ["约5000元", "TBD", "1.2万", "N/A", "pending"];

/// Every template, for the template tests.
#[cfg(test)]
pub fn all() -> impl Iterator<Item = &'static str> {
    DESCRIPTIONS_ZH
        .iter()
        .chain(&DESCRIPTIONS_EN)
        .chain(&UNQUOTED_WITH_COMMA)
        .chain(&SHORT_DESCRIPTIONS)
        .chain(&NON_NUMERIC_AMOUNTS)
        .copied()
}
