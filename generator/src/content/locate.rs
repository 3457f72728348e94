//! Where each value of a YAML text sits, so checks made after parsing (a dangling teacher, a
//! date in the wrong month) can still name the line and column the editor must change.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::source::Yaml;

/// Positions of every value by path, e.g. `title`, `registration.opens`, `stages[1].township`.
#[derive(Debug, Default)]
pub struct Locator {
    values: HashMap<String, (usize, usize)>,
    first_line: usize,
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, next: usize },
}

#[derive(Default)]
struct Recorder {
    stack: Vec<Frame>,
    values: HashMap<String, (usize, usize)>,
}

impl Recorder {
    /// The path of the node that starts now, or `None` when the node is a mapping key.
    fn path_of_next_node(&mut self, ev: &Event) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                Some(p)
            }
            Some(Frame::Map { path, key }) => match key.take() {
                Some(k) if path.is_empty() => Some(k),
                Some(k) => Some(format!("{path}.{k}")),
                None => {
                    if let Event::Scalar(s, ..) = ev {
                        *key = Some(s.clone());
                    }
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let at = (mark.line(), mark.col() + 1);
        match ev {
            Event::Scalar(..) | Event::Alias(_) => {
                if let Some(path) = self.path_of_next_node(&ev) {
                    self.values.insert(path, at);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let path = self.path_of_next_node(&ev).unwrap_or_default();
                self.values.insert(path.clone(), at);
                self.stack.push(match ev {
                    Event::MappingStart(..) => Frame::Map { path, key: None },
                    _ => Frame::Seq { path, next: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

impl Locator {
    /// Records positions; YAML that does not parse yields an empty locator (serde reports it).
    pub fn new(yaml: Yaml<'_>) -> Locator {
        let mut rec = Recorder::default();
        let mut parser = Parser::new_from_str(yaml.text);
        let _ = parser.load(&mut rec, false);
        Locator {
            values: rec.values,
            first_line: yaml.first_line,
        }
    }

    /// The file position of the value at `path`, or of its nearest recorded parent.
    pub fn at(&self, path: &str) -> (usize, usize) {
        let mut p = path;
        loop {
            if let Some(&(line, col)) = self.values.get(p) {
                return (line + self.first_line - 1, col);
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return (self.first_line, 1),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(text: &str, first_line: usize) -> Locator {
        Locator::new(Yaml { text, first_line })
    }

    #[test]
    fn finds_nested_values() {
        let l = loc(
            "title: a\nregistration: { opens: 2026-06-20, closes: 2026-07-05 }\n",
            2,
        );
        assert_eq!(l.at("title"), (2, 8));
        assert_eq!(l.at("registration.closes"), (3, 44));
    }

    #[test]
    fn finds_list_items() {
        let text = "stages:\n  - { township: nanyu, date: 2026-12-12 }\n  - { township: gz, date: 2026-12-19 }\n";
        let l = loc(text, 1);
        assert_eq!(l.at("stages[1].township"), (3, 17));
        assert_eq!(l.at("stages[0].date"), (2, 30));
    }

    #[test]
    fn falls_back_to_the_parent() {
        let l = loc("ages: [7, 12]\n", 1);
        assert_eq!(l.at("ages[5]"), (1, 7));
        assert_eq!(l.at("nothing"), (1, 1));
    }
}
