//! The choice of language reads what browsers, requests and recipients send: any text gives a
//! language (English when nothing matches) and never a panic.

use proptest::prelude::*;
use waxseal_l10n::Lang;

proptest! {
    #[test]
    fn any_accept_language_gives_a_language(header in ".{0,200}") {
        let lang = Lang::from_accept_language(Some(&header));
        prop_assert!(Lang::WITH_PSEUDO.contains(&lang));
    }

    #[test]
    fn weighted_lists_pick_the_heaviest_spoken_language(
        weights in proptest::collection::vec((0usize..Lang::ALL.len(), 1u32..=1000), 1..6)
    ) {
        let header: Vec<String> = weights
            .iter()
            .map(|(i, w)| format!("{};q={}", Lang::ALL[*i].tag(), f64::from(*w) / 1000.0))
            .collect();
        let best = weights.iter().map(|(_, w)| *w).max().unwrap();
        let first_best = weights.iter().find(|(_, w)| *w == best).unwrap().0;
        prop_assert_eq!(Lang::from_accept_language(Some(&header.join(","))), Lang::ALL[first_best]);
    }

    #[test]
    fn any_tag_or_address_list_gives_a_language(
        tags in proptest::collection::vec(".{0,20}", 0..5),
        recipients in proptest::collection::vec(".{0,40}", 0..5),
    ) {
        let _ = Lang::negotiate(&tags);
        for tag in &tags {
            if let Some(lang) = Lang::from_tag(tag) {
                prop_assert_eq!(tag.parse::<Lang>(), Ok(lang));
            } else {
                prop_assert!(tag.parse::<Lang>().unwrap_err().contains("use one of en, "));
            }
        }
        prop_assert!(Lang::ALL.contains(&Lang::guess(&recipients)));
    }
}
