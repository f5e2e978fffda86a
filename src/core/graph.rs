//! The dependency graph: who needs whom, in which order things start (and stop), and cycles.
//!
//! Pure algorithms over app names. Start order is dependencies first; stop order is the
//! reverse. Ties are broken by name so every listing is deterministic.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// app → the apps it depends on.
    dependencies: BTreeMap<String, Vec<String>>,
}

/// Apps that depend on each other in a loop, in order: `[a, b, a]` for a → b → a.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle(pub Vec<String>);

impl Cycle {
    pub fn path(&self) -> String {
        self.0.join(" -> ")
    }
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `app` with its dependencies (which need not be nodes themselves).
    pub fn add(&mut self, app: &str, dependencies: impl IntoIterator<Item = String>) {
        self.dependencies
            .entry(app.to_owned())
            .or_default()
            .extend(dependencies);
    }

    pub fn dependencies_of(&self, app: &str) -> &[String] {
        self.dependencies.get(app).map_or(&[], Vec::as_slice)
    }

    /// `roots` and everything they depend on, transitively; `descend(app)` says whether to
    /// follow an app's own dependencies (no for external apps, for instance).
    pub fn closure(&self, roots: &[String], descend: impl Fn(&str) -> bool) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = roots.iter().map(String::as_str).collect();
        while let Some(app) = stack.pop() {
            if !seen.insert(app.to_owned()) || !descend(app) {
                continue;
            }
            stack.extend(self.dependencies_of(app).iter().map(String::as_str));
        }
        seen
    }

    /// The apps of `set` with dependencies before dependents (edges leaving `set` are ignored).
    /// Fails with one cycle's path when there is a cycle.
    pub fn start_order(&self, set: &BTreeSet<String>) -> Result<Vec<String>, Cycle> {
        let mut waiting_on: BTreeMap<&str, usize> = BTreeMap::new();
        let mut dependents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for app in set {
            let deps: BTreeSet<&str> = self
                .dependencies_of(app)
                .iter()
                .map(String::as_str)
                .filter(|d| set.contains(*d))
                .collect();
            waiting_on.insert(app, deps.len());
            for dep in deps {
                dependents.entry(dep).or_default().push(app);
            }
        }
        let mut ready: BTreeSet<&str> = waiting_on
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(a, _)| *a)
            .collect();
        let mut order = Vec::with_capacity(set.len());
        while let Some(app) = ready.pop_first() {
            order.push(app.to_owned());
            for dependent in dependents.get(app).into_iter().flatten() {
                let count = waiting_on
                    .get_mut(dependent)
                    .expect("every dependent is in the set");
                *count -= 1;
                if *count == 0 {
                    ready.insert(dependent);
                }
            }
        }
        if order.len() == set.len() {
            return Ok(order);
        }
        let started: BTreeSet<&String> = order.iter().collect();
        let stuck: BTreeSet<String> = set
            .iter()
            .filter(|a| !started.contains(a))
            .cloned()
            .collect();
        Err(self
            .cycles_within(&stuck)
            .into_iter()
            .next()
            .unwrap_or_else(|| Cycle(stuck.into_iter().collect())))
    }

    /// Every cycle in the graph, one per strongly connected group, each starting at its
    /// alphabetically first app.
    pub fn cycles(&self) -> Vec<Cycle> {
        let all: BTreeSet<String> = self.dependencies.keys().cloned().collect();
        self.cycles_within(&all)
    }

    fn cycles_within(&self, set: &BTreeSet<String>) -> Vec<Cycle> {
        let mut cycles = Vec::new();
        for component in self.strongly_connected(set) {
            let first = component.iter().next().expect("components are not empty");
            if component.len() == 1 && !self.dependencies_of(first).contains(first) {
                continue;
            }
            if let Some(path) = self.path_back(first, &component) {
                cycles.push(Cycle(path));
            }
        }
        cycles
    }

    /// The shortest path from `start` back to itself inside `component` (breadth first).
    fn path_back(&self, start: &str, component: &BTreeSet<String>) -> Option<Vec<String>> {
        let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(app) = queue.pop_front() {
            let mut next: Vec<&str> = self
                .dependencies_of(app)
                .iter()
                .map(String::as_str)
                .filter(|d| component.contains(*d))
                .collect();
            next.sort_unstable();
            for dep in next {
                if dep == start {
                    // Walk back from `app` to `start`, then read it forwards and close the loop.
                    let mut path = vec![app.to_owned()];
                    let mut at = app;
                    while at != start {
                        at = previous[at];
                        path.push(at.to_owned());
                    }
                    path.reverse();
                    path.push(start.to_owned());
                    return Some(path);
                }
                if !previous.contains_key(dep) {
                    previous.insert(dep, app);
                    queue.push_back(dep);
                }
            }
        }
        None
    }

    /// Tarjan's algorithm, iteratively (a deep chain of apps must not overflow the stack).
    fn strongly_connected(&self, set: &BTreeSet<String>) -> Vec<BTreeSet<String>> {
        let names: Vec<&str> = set.iter().map(String::as_str).collect();
        let index_of: BTreeMap<&str, usize> =
            names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let edges: Vec<Vec<usize>> = names
            .iter()
            .map(|n| {
                self.dependencies_of(n)
                    .iter()
                    .filter_map(|d| index_of.get(d.as_str()).copied())
                    .collect()
            })
            .collect();
        let n = names.len();
        let (mut index, mut low, mut on_stack) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
        let (mut stack, mut components, mut counter) = (Vec::new(), Vec::new(), 0);
        for root in 0..n {
            if index[root] != usize::MAX {
                continue;
            }
            let mut work: Vec<(usize, usize)> = vec![(root, 0)];
            while let Some(&mut (node, ref mut next_edge)) = work.last_mut() {
                if *next_edge == 0 && index[node] == usize::MAX {
                    index[node] = counter;
                    low[node] = counter;
                    counter += 1;
                    stack.push(node);
                    on_stack[node] = true;
                }
                if let Some(&target) = edges[node].get(*next_edge) {
                    *next_edge += 1;
                    if index[target] == usize::MAX {
                        work.push((target, 0));
                    } else if on_stack[target] {
                        low[node] = low[node].min(index[target]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[node]);
                }
                if low[node] == index[node] {
                    let mut component = BTreeSet::new();
                    while let Some(member) = stack.pop() {
                        on_stack[member] = false;
                        component.insert(names[member].to_owned());
                        if member == node {
                            break;
                        }
                    }
                    components.push(component);
                }
            }
        }
        components.sort();
        components
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> Graph {
        let mut graph = Graph::new();
        for (app, deps) in edges {
            graph.add(app, deps.iter().map(|d| d.to_string()));
        }
        graph
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn dependencies_come_first_and_ties_go_by_name() {
        let g = graph(&[
            ("web", &["api"]),
            ("api", &["store", "cache"]),
            ("cache", &[]),
            ("store", &[]),
        ]);
        let all = g.closure(&["web".into()], |_| true);
        assert_eq!(
            g.start_order(&all).unwrap(),
            ["cache", "store", "api", "web"]
        );
    }

    #[test]
    fn closure_stops_where_told() {
        let g = graph(&[("web", &["api"]), ("api", &["db"]), ("db", &[])]);
        assert_eq!(
            g.closure(&["web".into()], |a| a != "api"),
            set(&["web", "api"])
        );
    }

    #[test]
    fn a_cycle_is_reported_with_its_path_in_order() {
        let g = graph(&[
            ("alpha", &["beta"]),
            ("beta", &["gamma"]),
            ("gamma", &["alpha"]),
            ("web", &["alpha"]),
        ]);
        let all = g.closure(&["web".into()], |_| true);
        assert_eq!(
            g.start_order(&all).unwrap_err().path(),
            "alpha -> beta -> gamma -> alpha"
        );
        assert_eq!(
            g.cycles().iter().map(Cycle::path).collect::<Vec<_>>(),
            ["alpha -> beta -> gamma -> alpha"]
        );
    }

    #[test]
    fn every_separate_cycle_is_found() {
        let g = graph(&[
            ("a", &["b"]),
            ("b", &["a"]),
            ("c", &["d"]),
            ("d", &["e"]),
            ("e", &["c"]),
            ("f", &["a"]),
        ]);
        assert_eq!(
            g.cycles().iter().map(Cycle::path).collect::<Vec<_>>(),
            ["a -> b -> a", "c -> d -> e -> c"]
        );
    }

    #[test]
    fn a_deep_chain_does_not_overflow() {
        let mut g = Graph::new();
        for i in 0..100_000 {
            g.add(&format!("app{i}"), (i > 0).then(|| format!("app{}", i - 1)));
        }
        assert!(g.cycles().is_empty());
        let all = g.closure(&["app99999".into()], |_| true);
        assert_eq!(g.start_order(&all).unwrap()[0], "app0");
    }
}
