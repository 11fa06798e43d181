//! Generated benchmark text shared by `redact_bench` and `redact_profile`: realistic
//! support-ticket lines (most without PII, some with one or two synthetic entities) in English
//! only, Chinese only, and the two mixed.

/// English lines.
const ENGLISH: &[&str] = &[
    "The customer reported that the delivery was delayed by three days and asked for a refund.",
    "Server 10.0.0.1 returned error 502 at 2024-06-18 12:30:45, version v1.2.3.4.",
    "Please call +44 20 7946 0958 or write to john.doe@example.co.uk before Friday.",
    "Invoice INV-2024-000123 total 1,234.56 USD paid by card ending 4242.",
    "api_key = q8Wv2LmZ7xR4tY1uPo9s was committed to the repo by mistake.",
    "The agent escalated the ticket to the billing team after the second call.",
    "Order 2024061812345 shipped on Monday; tracking number 1Z999AA10123456784.",
    "Card 4111 1111 1111 1111 was declined, the customer used another one.",
    "No further action is needed, the issue was resolved on the first contact.",
    "User logged in from 203.0.113.7 with a new device and reset the password.",
];

/// Chinese lines.
const CHINESE: &[&str] = &[
    "客户反映昨天下午在门店购买的商品存在质量问题，希望尽快安排退换货处理。",
    "请联系手机13812345678或邮箱zhangsan@example.com确认地址。",
    "订单号2024061812345已发货，物流单号SF1234567890123，预计周五送达。",
    "身份证号11010519491231002X的用户申请修改绑定银行卡6222021234567890128。",
    "系统日志：用户登录成功，会话时长35分钟，无异常。",
    "客服已电话回访，客户对处理结果表示满意，工单关闭。",
    "用户反馈应用在安卓设备上闪退，已转交技术部门排查。",
    "退款金额为１２８．５０元，将在三到五个工作日内原路退回。",
    "门店地址变更通知已发送给所有会员，请注意查收。",
    "快递员联系不上收件人，包裹已退回仓库等待重新派送。",
];

/// Lines of the first benchmark: mixed, and most of them carry an entity or a look-alike (order,
/// tracking and invoice numbers, a version string), so every detector has work.
const DENSE: &[&str] = &[
    "客户反映昨天下午在门店购买的商品存在质量问题，希望尽快安排退换货处理。",
    "The customer reported that the delivery was delayed by three days and asked for a refund.",
    "请联系手机13812345678或邮箱zhangsan@example.com确认地址。",
    "订单号2024061812345已发货，物流单号SF1234567890123，预计周五送达。",
    "Server 10.0.0.1 returned error 502 at 2024-06-18 12:30:45, version v1.2.3.4.",
    "身份证号11010519491231002X的用户申请修改绑定银行卡6222021234567890128。",
    "Please call +44 20 7946 0958 or write to john.doe@example.co.uk before Friday.",
    "系统日志：用户登录成功，会话时长35分钟，无异常。",
    "Invoice INV-2024-000123 total 1,234.56 USD paid by card ending 4242.",
    "api_key = q8Wv2LmZ7xR4tY1uPo9s was committed to the repo by mistake.",
];

/// Values of 3-6 lines, like ticket descriptions, until `bytes` bytes are generated.
pub fn generate(lines: &[&str], bytes: usize) -> Vec<String> {
    let mut values = Vec::new();
    let mut total = 0;
    let mut i = 0usize;
    while total < bytes {
        let value: String = (0..3 + i % 4)
            .map(|k| lines[(i * 7 + k * 3) % lines.len()])
            .collect::<Vec<_>>()
            .join(" ");
        total += value.len();
        values.push(value);
        i += 1;
    }
    values
}

/// The corpora of about `bytes` bytes each: English, Chinese, mixed, and dense (mixed, an entity
/// or look-alike on most lines).
pub fn corpora(bytes: usize) -> Vec<(&'static str, Vec<String>)> {
    let mixed: Vec<&str> = ENGLISH
        .iter()
        .zip(CHINESE)
        .flat_map(|(e, c)| [*e, *c])
        .collect();
    vec![
        ("english", generate(ENGLISH, bytes)),
        ("chinese", generate(CHINESE, bytes)),
        ("mixed", generate(&mixed, bytes)),
        ("dense", generate(DENSE, bytes)),
    ]
}
