//! Maintenance-log narratives, mostly Chinese. `{equip}` is bound to the record's
//! `equipment_id`.

/// Chinese narratives.
pub const TEXTS_ZH: [&str; 14] = [
    "设备编号{equip}于{ts}触发报警，故障描述：主轴温度过高（{temp}℃），已停机检查。",
    "巡检发现{equip}液压油位偏低，补充液压油{n}升，运行恢复正常。",
    "更换部件：{part}一套，工单号{order}，固件版本{version}。",
    "PLC通讯中断，PLC地址{plc_ip}，重启交换机后恢复。联系人电话{mobile}。",
    "{equip}传送带跑偏，已调整张紧轮，建议{n}天后复查。",
    "故障描述：变频器报过流故障，更换IGBT模块，旧件序列号{bad_card}。",
    "夜班巡检正常，设备编号{equip}，温度{temp}℃，振动{vib}mm/s。",
    "请相关人员将维修报告发送至{staff_email}，抄送设备科。设备编号{equip}。",
    "远程诊断：上位机{plc_ip}无法访问，检查网线后恢复，处理人手机{mobile}。",
    "电机绝缘电阻偏低，已安排更换，备件申请单{order}，更换部件{part}。",
    "设备编号{equip}异响，拆检发现轴承磨损，更换部件{part}，试运行{minutes}分钟正常。",
    "冷却水压力报警，现场确认{equip}管路泄漏，已紧固接头。如需支援请致电{mobile_fw}。",
    "固件从{version}升级后，{equip}的HMI偶发重启，已回滚。PLC地址{plc_ip}。",
    "交接班记录：{equip}运行正常，备件库存不足，已邮件通知{staff_email}。",
];

/// English narratives.
pub const TEXTS_EN: [&str; 4] = [
    "Replaced conveyor belt on {equip}; work order {order}. Next inspection in {n} days.",
    "PLC at {plc_ip} lost connection at {ts}; restored after power cycle. Contact {staff_email}.",
    "Firmware upgraded to {version} on {equip}, vibration back to {vib} mm/s.",
    "Hydraulic leak on {equip} fixed, replaced {part}. Technician on call: {mobile}.",
];

/// Texts too short for the length rule (`text_too_short`).
pub const SHORT_TEXTS: [&str; 4] = ["正常", "无异常", "OK", "已处理"];

/// Plant sites with the codes used in equipment ids.
pub const SITES: [(&str, &str); 5] = [
    ("上海浦东工厂", "SH"),
    ("苏州工业园区二厂", "SU"),
    ("深圳宝安物流中心", "SZ"),
    ("天津滨海基地", "TJ"),
    ("成都高新车间", "CD"),
];

/// Equipment type codes.
pub const EQUIPMENT_TYPES: [&str; 6] = ["CNC", "PRS", "CNV", "CMP", "RBT", "HVAC"];

/// Valid severities (the pipeline's expr rule accepts exactly these).
pub const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];

/// Severities outside the allowed set (`severity_unknown`).
pub const UNKNOWN_SEVERITIES: [&str; 3] = ["P1", "urgent", "高"];

/// Every template and vocabulary entry, for the template tests.
#[cfg(test)]
pub fn all() -> impl Iterator<Item = &'static str> {
    TEXTS_ZH
        .iter()
        .chain(&TEXTS_EN)
        .chain(&SHORT_TEXTS)
        .copied()
        .chain(SITES.iter().map(|(site, _)| *site))
}
