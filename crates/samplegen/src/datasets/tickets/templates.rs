//! Support-ticket text, grouped by topic so that a ticket's subject, opening message, replies
//! and resolution belong together. Every opening message has at least one slot, so tickets
//! rarely repeat by chance (the key guard redraws the few that would). Names never appear in
//! free text: the only names are in the structured `customer.name` field.

/// A subject and the first user message it goes with.
pub type Opening = (&'static str, &'static str);

/// One support topic in both languages.
pub struct Topic {
    /// Subject and first user message, English.
    pub openings_en: &'static [Opening],
    /// Subject and first user message, Chinese.
    pub openings_zh: &'static [Opening],
    /// Subject and first user message mixing both languages.
    pub openings_mixed: &'static [Opening],
    /// Topic-specific agent replies, English.
    pub replies_en: &'static [&'static str],
    /// Topic-specific agent replies, Chinese.
    pub replies_zh: &'static [&'static str],
    /// Resolutions, English.
    pub resolutions_en: &'static [&'static str],
    /// Resolutions, Chinese.
    pub resolutions_zh: &'static [&'static str],
}

/// Billing, refunds, invoices and cards.
const BILLING: Topic = Topic {
    openings_en: &[
        (
            "Double charge on order {order}",
            "Hi, I was charged twice for order {order}. The card used was {card}, please refund the duplicate charge.",
        ),
        (
            "Invoice needed for {order}",
            "I need an invoice for order {order}, amount {amount} USD. Please send it to {email}.",
        ),
        (
            "Card declined",
            "My card {card} was declined for order {order} although the balance is fine.",
        ),
        (
            "Statement does not match receipt",
            "The bank reference {bad_card} on my statement does not match your receipt for order {order}.",
        ),
        (
            "Refund request",
            "Refund for order {order} went to the wrong card. Please use {card} instead.",
        ),
    ],
    openings_zh: &[
        (
            "申请退款",
            "退款请打到这张银行卡：{card}，持卡人身份证号{id}。",
        ),
        (
            "扣款疑问",
            "流水号{bad_id}是什么意思？昨天被扣款{amount}元。",
        ),
        ("银行卡被冻结", "卡号{card}被冻结了，请帮忙查一下原因。"),
        (
            "发票开具申请",
            "我要开发票，订单{order}，发到邮箱{email}，谢谢。",
        ),
        (
            "重复扣款",
            "订单{order}被扣了两次款，每次{amount}元，扣款卡号{card}。",
        ),
    ],
    openings_mixed: &[
        (
            "Refund 未到账",
            "Hello 客服，订单{order}的refund还没到账，卡号{card}。",
        ),
        (
            "发票 invoice",
            "发票 invoice 请发到{email}，订单 {order}，谢谢 thanks。",
        ),
    ],
    replies_en: &[
        "Thanks for reaching out. I have escalated order {order} to our billing team.",
        "A refund of {amount} USD was issued on {date}. It should arrive within 5-7 business days.",
        "I can confirm the duplicate charge and have reversed it.",
    ],
    replies_zh: &[
        "已将订单{order}的退款{amount}元原路退回，预计3-5个工作日到账。",
        "已核实扣款记录，将在3-5个工作日内处理完毕。",
        "发票已开具，请注意查收邮件。",
    ],
    resolutions_en: &[
        "Refund issued to the original payment method.",
        "Duplicate charge reversed.",
        "Invoice sent.",
    ],
    resolutions_zh: &["已退款至原支付方式。", "已撤销重复扣款。", "已开具发票。"],
};

/// Logins, verification codes and suspicious activity.
const ACCOUNT: Topic = Topic {
    openings_en: &[
        (
            "Cannot log in",
            "I can't log in since {date}. The account email is {my_email} and my phone is {my_phone}.",
        ),
        (
            "Login blocked",
            "My login attempts from {ip} were blocked. Can you whitelist this IP? Account email: {my_email}",
        ),
        (
            "Verification code not received",
            "The verification code never arrives on {my_phone}. I have tried {n} times.",
        ),
        (
            "Suspicious login on my account",
            "Someone from {ip} changed my password at {ts}. I did not do this!",
        ),
    ],
    openings_zh: &[
        (
            "验证码收不到",
            "邮箱{my_email}收不到验证码，已经等了{minutes}分钟。",
        ),
        (
            "异地登录提醒",
            "登录时提示异地登录，IP地址{ip}不是我本人操作。",
        ),
        (
            "短信验证码收不到",
            "手机{my_phone}一直收不到验证码，试了{n}次了。",
        ),
        (
            "账号被盗",
            "账号在{ts}被人改了密码，登录IP是{ip}，请帮我冻结账号。",
        ),
    ],
    openings_mixed: &[(
        "Reset password 求助",
        "请帮我 reset password，登录IP {ip}，时间{ts}。",
    )],
    replies_en: &[
        "We have sent a verification link to the email on file. Please check your inbox and spam folder.",
        "I have unlocked your account. Please change your password after logging in.",
        "Could you confirm the phone number linked to the account?",
    ],
    replies_zh: &[
        "经核实，异常登录已拦截，建议您尽快修改密码。",
        "已为您重新发送验证码，请在{minutes}分钟内完成验证。",
        "已为您临时冻结账号，请通过预留手机号找回密码。",
    ],
    resolutions_en: &[
        "Password reset link sent; customer confirmed access.",
        "Account unlocked after identity check.",
    ],
    resolutions_zh: &["已重置密码，客户确认可以登录。", "已解除账户锁定。"],
};

/// Contact details and identity verification.
const PROFILE: Topic = Topic {
    openings_en: &[
        (
            "Update my phone number",
            "Please update my contact number to {intl_phone}. The old one no longer works.",
        ),
        (
            "Change contact details",
            "Please change the email on my account from {my_email} to {email}.",
        ),
    ],
    openings_zh: &[
        (
            "实名认证失败",
            "实名认证失败，身份证号{id}，一直提示信息不一致。",
        ),
        (
            "重新实名认证",
            "身份证{id}已经更新，麻烦帮我重新认证，联系电话{my_phone}。",
        ),
        (
            "核对账号信息",
            "客服你好，我的账号绑定的邮箱是{my_email}，手机号：{mobile_fw}。",
        ),
    ],
    openings_mixed: &[(
        "Update 联系方式",
        "我的email是 {my_email}，phone {my_phone}，请帮我 update 联系方式。",
    )],
    replies_en: &[
        "Your contact details are updated. Please confirm with the code we just sent.",
        "We need to verify your identity before changing contact details.",
    ],
    replies_zh: &[
        "已为您更新联系方式，请查收验证短信。",
        "实名认证信息已提交审核，预计1个工作日内完成。",
    ],
    resolutions_en: &["Contact details updated."],
    resolutions_zh: &["已更新联系方式。", "实名认证已通过。"],
};

/// App crashes and freezes.
const APP: Topic = Topic {
    openings_en: &[
        (
            "App crash after update {version}",
            "Your app crashes on version {version} every time I open the billing page. Happened again at {ts}.",
        ),
        (
            "App keeps freezing",
            "The app freezes on the payment page since {date}. App version {version}.",
        ),
    ],
    openings_zh: &[
        (
            "更新后App闪退",
            "App版本{version}闪退，时间{ts}，请尽快修复。",
        ),
        (
            "App卡在启动页",
            "更新到{version}后一直卡在启动页，时间{ts}。",
        ),
    ],
    openings_mixed: &[("App crash", "App 更新到 {version} 后 crash 了，时间{ts}。")],
    replies_en: &[
        "Our engineers are looking into the crash on version {version}.",
        "Please try reinstalling the app; your data is kept on our servers.",
    ],
    replies_zh: &[
        "您反馈的闪退问题已提交技术部门，版本{version}的问题将在下个版本修复。",
        "请尝试卸载后重新安装，数据不会丢失。",
    ],
    resolutions_en: &["Bug reported to engineering; workaround provided."],
    resolutions_zh: &["已提交技术部门，并提供临时解决方案。"],
};

/// Orders and deliveries.
const ORDERS: Topic = Topic {
    openings_en: &[
        (
            "Where is my order?",
            "Order {order} still shows as processing after {n} days. Contact me at {my_email}.",
        ),
        (
            "Order {order} not delivered",
            "Please call me on {my_phone} about order {order}, the courier could not find my address.",
        ),
    ],
    openings_zh: &[
        (
            "订单{order}未发货",
            "我的手机号是{my_phone}，请回电。订单号{order}一直没有发货。",
        ),
        (
            "催发货",
            "手机{my_phone}，麻烦尽快处理，订单{order}金额{amount}元。",
        ),
    ],
    openings_mixed: &[(
        "Order pending",
        "我的email是 {my_email}，phone {my_phone}，order {order} still pending。",
    )],
    replies_en: &[
        "I have asked the warehouse to prioritise order {order}.",
        "The courier will contact you again within one business day.",
    ],
    replies_zh: &[
        "已催促仓库优先发货，订单{order}预计{n}天内送达。",
        "我们会尽快回电至您预留的号码，请保持电话畅通。",
    ],
    resolutions_en: &["Order shipped; tracking number sent."],
    resolutions_zh: &["已发货，物流单号已短信通知。"],
};

/// All topics.
pub const TOPICS: [Topic; 5] = [BILLING, ACCOUNT, PROFILE, APP, ORDERS];

/// Subjects too short for the `length(subject) >= 3` rule (the `subject_too_short` defect).
pub const SHORT_SUBJECTS: [&str; 4] = ["Hi", "急", "??", "求助"];

/// Replies that fit any topic, English.
pub const GENERIC_REPLIES_EN: [&str; 2] = [
    "Thanks for reaching out, we are looking into it.",
    "For your security please do not share full card or ID numbers in chat. We have noted your request.",
];

/// Replies that fit any topic, Chinese.
pub const GENERIC_REPLIES_ZH: [&str; 2] = [
    "您好，已为您登记，工单将在24小时内处理。",
    "为了您的账户安全，请勿在对话中发送完整的身份证号或银行卡号。",
];

/// Later user messages, English.
pub const FOLLOW_UPS_EN: [&str; 6] = [
    "Thanks. Just to confirm, the phone on the account is {my_phone}.",
    "I tried again at {ts} and it still fails.",
    "Here is the reference number from the error message: {bad_card}.",
    "Also, my backup email is {email}.",
    "It has been {n} days, any update?",
    "OK, I will wait. The order number again is {order}.",
];

/// Later user messages, Chinese.
pub const FOLLOW_UPS_ZH: [&str; 6] = [
    "好的，再确认一下手机号：{my_phone}。",
    "我刚才{ts}又试了一次，还是不行。",
    "备用邮箱：{email}，也可以联系我。",
    "已经{n}天了，有进展吗？",
    "订单号再发一次：{order}。",
    "错误提示里的参考号是{bad_card}，请核对。",
];

/// Contact channels.
pub const CHANNELS: [&str; 5] = ["email", "chat", "phone", "web", "app"];

/// Every template, for the template tests.
#[cfg(test)]
pub fn all() -> impl Iterator<Item = &'static str> {
    TOPICS
        .iter()
        .flat_map(|t| {
            let openings = t
                .openings_en
                .iter()
                .chain(t.openings_zh)
                .chain(t.openings_mixed);
            openings
                .flat_map(|(subject, opener)| [subject, opener])
                .chain(
                    [
                        t.replies_en,
                        t.replies_zh,
                        t.resolutions_en,
                        t.resolutions_zh,
                    ]
                    .into_iter()
                    .flatten(),
                )
        })
        .chain(&SHORT_SUBJECTS)
        .chain(&GENERIC_REPLIES_EN)
        .chain(&GENERIC_REPLIES_ZH)
        .chain(&FOLLOW_UPS_EN)
        .chain(&FOLLOW_UPS_ZH)
        .copied()
}
