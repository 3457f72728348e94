//! The draw is fair: over many simulated draws with random witness digits, every applicant
//! gets a place equally often, within a bound a fair draw breaks with probability < 1e-6.

use diandan_functions::domain::draw::{draw, Outcome, Witness};
use diandan_functions::domain::ConfirmationCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const DRAWS: u32 = 20_000;
const APPLICANTS: usize = 12;
const CAPACITY: u32 = 3;

fn codes() -> Vec<ConfirmationCode> {
    // Fixed, like real codes: random-looking, some sharing prefixes.
    [
        "K7Q2MX", "K7Q2MY", "AB2345", "ZZZZZZ", "HJK234", "22222C", "MNPQRS", "XYZ234", "PQ7H8J",
        "T9V3WA", "BCDEFG", "K7Q3MX",
    ]
    .iter()
    .map(|c| ConfirmationCode::parse(c).expect("a valid code"))
    .collect()
}

/// How often each applicant got a place, over `DRAWS` draws with witnesses from a fixed seed.
fn places_won() -> Vec<u32> {
    let codes = codes();
    let mut rng = StdRng::seed_from_u64(0x0064_6961_6e64_616e);
    let mut won = vec![0u32; APPLICANTS];
    for _ in 0..DRAWS {
        let digits = format!("{:012}", rng.random_range(0..1_000_000_000_000u64));
        let witness = Witness::parse(&digits).expect("digits");
        let result = draw(&codes, &witness);
        for (rank, code) in result.ranking.iter().enumerate() {
            if Outcome::at(rank, CAPACITY, 0) == Outcome::Confirmed {
                let who = codes.iter().position(|c| c == code).expect("a known code");
                won[who] += 1;
            }
        }
    }
    won
}

#[test]
fn every_applicant_has_the_same_chance_of_a_place() {
    let won = places_won();
    eprintln!("places won per applicant over {DRAWS} draws: {won:?}");
    assert_eq!(
        won.iter().sum::<u32>(),
        DRAWS * CAPACITY,
        "3 places each draw"
    );
    // Each count is Binomial(n = 20,000, p = 3/12): mean 5,000, sd = sqrt(n p (1 - p)) ≈ 61.2.
    // A fair draw leaves 5.5 sd with probability < 4e-8 per applicant (normal tail), so < 1e-6
    // for all 12 together (union bound): the bound is ±337, about ±6.7 % of the mean.
    let p = f64::from(CAPACITY) / APPLICANTS as f64;
    let mean = f64::from(DRAWS) * p;
    let sd = (f64::from(DRAWS) * p * (1.0 - p)).sqrt();
    for (who, &n) in won.iter().enumerate() {
        let z = (f64::from(n) - mean) / sd;
        assert!(z.abs() < 5.5, "applicant {who} won {n} times (z = {z:.2})");
    }
    // Chi-square over the 12 counts. The counts are not independent (3 places are shared out
    // each draw): their covariance is -sd²/11, which makes sum(z²) · 11/12 chi-square with 11
    // degrees of freedom; its 0.1 % critical value is 31.26. The seed is fixed, so the result is
    // the same on every run: this cannot flake, and a biased draw fails it.
    let n = APPLICANTS as f64;
    let chi2: f64 = (won.iter())
        .map(|&k| ((f64::from(k) - mean) / sd).powi(2))
        .sum::<f64>()
        * (n - 1.0)
        / n;
    eprintln!("chi-square (11 degrees of freedom): {chi2:.2}");
    assert!(chi2 < 31.26, "chi-square {chi2:.2} over {won:?}");
}
