//! Synthetic person names from small built-in lists, with the ASCII name parts that email
//! addresses are built from.

use crate::rng::Rng;

/// Common Chinese surnames with their pinyin.
pub const CN_SURNAMES: [(&str, &str); 30] = [
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
];

/// Characters common in Chinese given names, with their pinyin.
pub const CN_GIVEN: [(&str, &str); 36] = [
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("秀", "xiu"),
    ("英", "ying"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("超", "chao"),
    ("霞", "xia"),
    ("刚", "gang"),
    ("桂", "gui"),
    ("辉", "hui"),
    ("鑫", "xin"),
    ("婷", "ting"),
    ("浩", "hao"),
    ("欣", "xin"),
    ("梓", "zi"),
    ("涵", "han"),
    ("轩", "xuan"),
    ("怡", "yi"),
    ("晨", "chen"),
    ("睿", "rui"),
    ("博", "bo"),
    ("佳", "jia"),
    ("嘉", "jia"),
    ("琳", "lin"),
];

/// Common English first names.
pub const EN_FIRST: [&str; 30] = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Susan",
    "Richard",
    "Jessica",
    "Joseph",
    "Sarah",
    "Thomas",
    "Karen",
    "Daniel",
    "Lisa",
    "Emily",
    "Oliver",
    "Sophia",
    "Lucas",
    "Grace",
    "Henry",
    "Chloe",
    "Ethan",
    "Hannah",
    "Ryan",
];

/// Common English surnames.
pub const EN_LAST: [&str; 30] = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark",
    "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
    "Nelson", "Carter",
];

/// A synthetic person: the name as written and lower-case ASCII parts for email addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The full name as it appears in a name field, e.g. `张伟杰` or `Emily Clark`.
    pub name: String,
    /// Given name in lower-case ASCII (pinyin for Chinese names).
    pub given: String,
    /// Family name in lower-case ASCII.
    pub family: String,
}

/// A three-character Chinese name (surname + two given characters). Two-character names are
/// avoided on purpose: they are short enough to occur by chance inside ordinary Chinese text,
/// which would make leak checks on planted names unreliable.
pub fn chinese_person(rng: &mut Rng) -> Person {
    let (surname, family) = *rng.pick(&CN_SURNAMES);
    let (g1, p1) = *rng.pick(&CN_GIVEN);
    let (g2, p2) = *rng.pick(&CN_GIVEN);
    Person {
        name: format!("{surname}{g1}{g2}"),
        given: format!("{p1}{p2}"),
        family: family.to_string(),
    }
}

/// An English `First Last` name.
pub fn english_person(rng: &mut Rng) -> Person {
    let first = *rng.pick(&EN_FIRST);
    let last = *rng.pick(&EN_LAST);
    Person {
        name: format!("{first} {last}"),
        given: first.to_ascii_lowercase(),
        family: last.to_ascii_lowercase(),
    }
}

/// True when `text` contains something shaped like a planted Chinese name: a surname followed
/// by two given-name characters. Used to check that templates cannot produce one by accident.
pub fn contains_chinese_name_shape(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let is_surname = |c: char| CN_SURNAMES.iter().any(|(s, _)| s.starts_with(c));
    let is_given = |c: char| CN_GIVEN.iter().any(|(g, _)| g.starts_with(c));
    chars
        .windows(3)
        .any(|w| is_surname(w[0]) && is_given(w[1]) && is_given(w[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_names_have_three_chars_and_ascii_parts() {
        let mut rng = Rng::new(5);
        for _ in 0..200 {
            let p = chinese_person(&mut rng);
            assert_eq!(p.name.chars().count(), 3);
            assert!(contains_chinese_name_shape(&p.name));
            assert!(p.given.bytes().all(|b| b.is_ascii_lowercase()));
            assert!(p.family.bytes().all(|b| b.is_ascii_lowercase()));
        }
    }

    #[test]
    fn english_names_are_first_space_last() {
        let mut rng = Rng::new(6);
        let p = english_person(&mut rng);
        let (first, last) = p.name.split_once(' ').unwrap();
        assert_eq!(first.to_ascii_lowercase(), p.given);
        assert_eq!(last.to_ascii_lowercase(), p.family);
    }

    #[test]
    fn name_shape_detector() {
        assert!(contains_chinese_name_shape("联系人王伟杰已到场"));
        assert!(!contains_chinese_name_shape("设备运行正常，已更换轴承"));
        assert!(!contains_chinese_name_shape("王先生"));
    }

    #[test]
    fn lists_have_single_chars_and_no_duplicates() {
        for (c, _) in CN_SURNAMES.iter().chain(CN_GIVEN.iter()) {
            assert_eq!(c.chars().count(), 1, "{c}");
        }
        let mut given: Vec<_> = CN_GIVEN.iter().map(|(c, _)| *c).collect();
        given.sort_unstable();
        given.dedup();
        assert_eq!(given.len(), CN_GIVEN.len());
    }
}
