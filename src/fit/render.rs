//! Fits every distribution of every channel and writes the scenario text: each fitted key
//! with a comment saying what it was fitted from, how many samples and how well it fits; the
//! policy and staffing copied from flags or left as commented placeholders. Pure.

use super::arrivals::fit_arrivals;
use super::export::{Conversation, MessageLog};
use super::families::Family;
use super::km::Obs;
use super::observe::{is_live_chat, observe, ChannelObs, Observations};
use super::select::{fit_count, fit_duration, ks_critical, Choice, CountChoice, DurationFit};
use crate::time::SimDuration;
use std::fmt::Write as _;

/// What the caller decides: names, and the tables an export cannot show.
#[derive(Debug, Clone, Default)]
pub struct FitOptions {
    pub name: String,
    /// The files fitted, for the header comment.
    pub sources: Vec<String>,
    /// TOML text holding `[policy]` (from `--policy-from`), used as it is.
    pub policy: Option<String>,
    /// TOML text holding `[skills]` and `[agents]` (from `--staffing-from`), used as it is.
    pub staffing: Option<String>,
    /// Folder (relative to the scenario file) for the samples of `empirical` distributions.
    pub data_dir: String,
}

/// One fitted distribution, as the terminal and the tests see it.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSummary {
    pub channel: String,
    pub key: String,
    /// The scenario value written, e.g. `{ dist = "exponential", mean = "4m" }`.
    pub value: String,
    pub n_events: usize,
    pub n_censored: usize,
    pub never_share: Option<f64>,
    pub ks: Option<f64>,
}

/// The scenario text, the sample files it names (path relative to it, contents), and the
/// summary of what was fitted.
#[derive(Debug, Clone)]
pub struct FitOutput {
    pub toml: String,
    pub data_files: Vec<(String, String)>,
    pub summary: Vec<FitSummary>,
}

fn dur(s: f64) -> String {
    format!("\"{}\"", SimDuration((s * 1000.0).round().max(1.0) as u64))
}

fn num(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else {
        s.to_string()
    }
}

fn family_value(f: Family, p: [f64; 2]) -> String {
    match f {
        Family::Exponential => format!("{{ dist = \"exponential\", mean = {} }}", dur(p[0])),
        Family::Lognormal => {
            format!("{{ dist = \"lognormal\", mu = {}, sigma = {}, unit = \"s\" }}", num(p[0]), num(p[1]))
        }
        Family::Gamma => format!("{{ dist = \"gamma\", shape = {}, scale = {} }}", num(p[0]), dur(p[1])),
        Family::Weibull => format!("{{ dist = \"weibull\", shape = {}, scale = {} }}", num(p[0]), dur(p[1])),
        Family::Uniform => format!("{{ dist = \"uniform\", min = {}, max = {} }}", dur(p[0]), dur(p[1])),
    }
}

/// `value` with a `never` component of weight `never` (none below 0.0005).
fn with_never(value: String, never: f64) -> String {
    if never < 0.0005 {
        return value;
    }
    let inner = value.trim_start_matches("{ ").trim_end_matches(" }");
    let inner =
        if value.starts_with('{') { inner.to_string() } else { format!("dist = \"constant\", value = {value}") };
    format!(
        "{{ dist = \"mixture\", components = [ {{ weight = {}, {inner} }}, {{ weight = {}, dist = \"never\" }} ] }}",
        num(1.0 - never),
        num(never)
    )
}

struct Writer<'a> {
    out: String,
    files: Vec<(String, String)>,
    summary: Vec<FitSummary>,
    opts: &'a FitOptions,
}

impl Writer<'_> {
    /// Writes `key = value` for a duration fit, with its comment, and records it.
    fn duration(&mut self, channel: &str, key: &str, fit: &DurationFit, keep_never: bool) -> String {
        let never = if keep_never { fit.never_share() } else { 0.0 };
        let (value, ks, what) = match &fit.choice {
            Choice::Never => ("\"never\"".to_string(), None, "never observed".to_string()),
            Choice::Constant { value_s, .. } => (with_never(dur(*value_s), never), None, "every observed value equal".into()),
            Choice::Family(f) => (
                with_never(family_value(f.family, f.params), never),
                Some(f.ks),
                format!("{} by AIC {:.1} among the SPEC families with and without a never share; KS {:.4} (99% critical {:.4})", f.family.key(), f.aic, f.ks, ks_critical(fit.n_events)),
            ),
            Choice::Empirical { samples_s, best, .. } => {
                let file = format!("{}/{channel}_{key}.csv", self.opts.data_dir);
                let mut text = String::from("seconds\n");
                for s in samples_s {
                    let _ = writeln!(text, "{s:.3}");
                }
                self.files.push((file.clone(), text));
                let why = match best {
                    Some(b) => format!("no family fits: best {} has KS {:.4} > {:.4}", b.family.key(), b.ks, ks_critical(fit.n_events)),
                    None => "no family could be fitted".into(),
                };
                let v = format!("{{ dist = \"empirical\", file = \"{file}\", column = \"seconds\", unit = \"s\" }}");
                (with_never(v, never), None, format!("empirical ({} Kaplan-Meier quantiles): {why}", samples_s.len()))
            }
        };
        let never_note = if keep_never { format!("; never {:.4}", fit.never_share()) } else { String::new() };
        let _ =
            writeln!(self.out, "# {key}: {what}; {} observed, {} censored{never_note}", fit.n_events, fit.n_censored);
        let _ = writeln!(self.out, "{key} = {value}");
        self.summary.push(FitSummary {
            channel: channel.into(),
            key: key.into(),
            value: value.clone(),
            n_events: fit.n_events,
            n_censored: fit.n_censored,
            never_share: keep_never.then(|| fit.never_share()),
            ks,
        });
        value
    }

    fn exchanges(&mut self, channel: &str, ch: &ChannelObs) {
        let Some(fit) = fit_count(&ch.exchanges) else { return };
        let value = match &fit.choice {
            CountChoice::Constant(k) => k.to_string(),
            CountChoice::Uniform { min, max } => format!("{{ dist = \"uniform\", min = {min}, max = {max} }}"),
            CountChoice::Pmf(p) => {
                let parts: Vec<String> = p
                    .iter()
                    .filter(|x| x.1 > 0.0)
                    .map(|(k, w)| format!("{{ weight = {}, dist = \"constant\", value = {k} }}", num(*w)))
                    .collect();
                format!("{{ dist = \"mixture\", components = [ {} ] }}", parts.join(", "))
            }
        };
        let aic = match (fit.aic_uniform, fit.aic_pmf) {
            (Some(u), Some(p)) => format!("; AIC rounded uniform {u:.1}, free probabilities {p:.1}"),
            _ => String::new(),
        };
        let _ = writeln!(
            self.out,
            "# exchanges: agent messages of dialogues the agent ended ({} observed), at least as many in those cut short ({} censored){aic}",
            fit.n_events, fit.n_censored
        );
        let _ = writeln!(self.out, "exchanges = {value}");
        self.summary.push(FitSummary {
            channel: channel.into(),
            key: "exchanges".into(),
            value,
            n_events: fit.n_events,
            n_censored: fit.n_censored,
            never_share: None,
            ks: None,
        });
    }
}

/// Fits an export (conversations and, if given, its message log) into a scenario.
pub fn fit(convs: &[Conversation], log: Option<&MessageLog>, opts: &FitOptions) -> FitOutput {
    let obs = observe(convs, log);
    let mut w = Writer { out: String::new(), files: Vec::new(), summary: Vec::new(), opts };
    header(&mut w, &obs);
    channels_and_staffing(&mut w, &obs);
    arrivals(&mut w, &obs);
    for (name, ch) in &obs.channels {
        behaviour(&mut w, &obs, name, ch);
    }
    policy(&mut w);
    FitOutput { toml: w.out, data_files: w.files, summary: w.summary }
}

fn header(w: &mut Writer, obs: &Observations) {
    let win = obs.window;
    let start = chrono::DateTime::from_timestamp_millis(win.start_ms)
        .map(|d| d.date_naive().to_string())
        .unwrap_or_else(|| "2026-01-05".into());
    let _ = writeln!(w.out, "# Fitted by `autoclose fit` from {}.", w.opts.sources.join(" and "));
    let _ = writeln!(
        w.out,
        "# {} conversations ({} re-contacts) over {} whole day(s) from {start}, in {} replication(s).",
        obs.channels.values().map(|c| c.conversations).sum::<usize>(),
        obs.recontacts,
        win.days,
        win.replications
    );
    if !obs.with_messages {
        let _ = writeln!(w.out, "# No message log: response times, exchanges and parks keep the simulator's defaults.");
    }
    let _ = writeln!(w.out, "\n[scenario]\nname = \"{}\"", w.opts.name);
    let _ = writeln!(
        w.out,
        "description = \"Fitted from an export\"\nstart_date = \"{start}\"\nhorizon = \"{}d\"",
        win.days
    );
    let _ =
        writeln!(w.out, "warmup = \"0s\"   # set to how long your center takes to fill up (messaging: a day or more)");
    let _ = writeln!(
        w.out,
        "seed = 1\nreplications = {}\nbucket = \"15m\"\nservice_level_target = \"60s\"   # your target",
        win.replications.max(2)
    );
}

fn channels_and_staffing(w: &mut Writer, obs: &Observations) {
    for (name, code) in &obs.channel_codes {
        let kind = if is_live_chat(*code) { "live_chat" } else { "messaging" };
        let _ = writeln!(w.out, "\n[channels.{name}]\nkind = \"{kind}\"");
        if let Some(c) = code {
            let _ = writeln!(w.out, "msdyn_channel = {c}");
        }
    }
    let mut queues: Vec<&String> = obs.arrivals.keys().map(|k| &k.1).collect();
    queues.sort();
    queues.dedup();
    match &w.opts.staffing {
        Some(text) => {
            let _ = writeln!(
                w.out,
                "\n# Skills and agents as given by --staffing-from (an export does not show them).\n{}",
                text.trim_end()
            );
        }
        None => {
            let _ =
                writeln!(w.out, "\n# PLACEHOLDER skills: an export does not show capacity units or the wrap-up rule.");
            for q in &queues {
                let _ = writeln!(w.out, "[skills.{q}]\ncapacity_units = 1\nwrap_up = \"always\"\n");
            }
            let list: Vec<String> = queues.iter().map(|q| format!("\"{q}\"")).collect();
            let _ = writeln!(
                w.out,
                "# PLACEHOLDER staffing: one agent per conversation assigned at once at the busiest instant\n# observed ({}); put your real groups, counts and capacities here (or use --staffing-from).",
                obs.peak_assigned
            );
            let _ = writeln!(
                w.out,
                "[agents.observed]\ncount = {}\nskills = [{}]\ncapacity = 1",
                obs.peak_assigned,
                list.join(", ")
            );
        }
    }
}

fn list(xs: &[f64]) -> String {
    let v: Vec<String> = xs.iter().map(|x| format!("{x:.3}")).collect();
    format!("[{}]", v.join(", "))
}

fn arrivals(w: &mut Writer, obs: &Observations) {
    for ((channel, queue), times) in &obs.arrivals {
        let a = fit_arrivals(times, &obs.day_weekday);
        let unseen: Vec<&str> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            .iter()
            .zip(a.weekday_days)
            .filter(|(_, d)| *d == 0)
            .map(|(n, _)| *n)
            .collect();
        let _ = writeln!(
            w.out,
            "\n# {} arrivals (re-contacts left out: the simulator makes its own) over {} observed day(s){}",
            a.count,
            obs.day_weekday.len(),
            if unseen.is_empty() {
                String::new()
            } else {
                format!("; never observed, multiplier 1: {}", unseen.join(", "))
            }
        );
        let _ = writeln!(
            w.out,
            "[[arrivals]]\nchannel = \"{channel}\"\nskill = \"{queue}\"\nrate_per_hour = {}",
            num(a.rate_per_hour)
        );
        let _ = writeln!(w.out, "intraday = {}\nweekly = {}", list(&a.intraday), list(&a.weekly));
        w.summary.push(FitSummary {
            channel: channel.clone(),
            key: format!("arrivals.{queue}.rate_per_hour"),
            value: num(a.rate_per_hour),
            n_events: a.count,
            n_censored: 0,
            never_share: None,
            ks: None,
        });
    }
}

fn behaviour(w: &mut Writer, obs: &Observations, name: &str, ch: &ChannelObs) {
    let _ = writeln!(w.out, "\n[behaviour.channels.{name}]");
    // Patience has no never share but where nobody abandoned: a share of customers who
    // never leave is hardly told apart from a long patience when the queue waits are short.
    w.duration(name, "patience", &fit_duration(&ch.patience, false), false);
    let code = obs.channel_codes.get(name).copied().flatten();
    w.duration(name, "wrap_up", &fit_duration(&ch.wrap_up, false), false);
    if !obs.with_messages {
        return;
    }
    w.duration(name, "agent_response", &fit_duration(&ch.agent_response, false), false);
    let _ = writeln!(
        w.out,
        "# customer_response: silences after an agent message; an auto-closed silence is censored, or a reply at its re-contact ({})",
        ch.replies_by_recontact
    );
    w.duration(name, "customer_response", &fit_duration(&ch.customer_response, true), true);
    w.exchanges(name, ch);
    if is_live_chat(code) {
        let mut d: Vec<Obs> = ch.disconnect_s.iter().map(|&s| Obs::event(s)).collect();
        d.extend(ch.customer_response.iter().filter(|o| o.event).map(|o| Obs::censored(o.t_s)));
        if !ch.disconnect_s.is_empty() {
            let _ = writeln!(w.out, "# disconnect: silences the customer ended by leaving (replies censor it)");
            w.duration(name, "disconnect", &fit_duration(&d, true), false);
        }
    } else {
        let park = fit_duration(&ch.park, true);
        let p = 1.0 - park.never_share();
        let _ = writeln!(w.out, "# park_probability: share of silences the agent parks, {} parks", park.n_events);
        let _ = writeln!(w.out, "park_probability = {}", num(p.clamp(0.0, 1.0)));
        w.summary.push(FitSummary {
            channel: name.into(),
            key: "park_probability".into(),
            value: num(p),
            n_events: park.n_events,
            n_censored: park.n_censored,
            never_share: None,
            ks: None,
        });
        if park.n_events > 0 {
            w.duration(name, "park_delay", &park, false);
        }
    }
}

fn policy(w: &mut Writer) {
    match &w.opts.policy {
        Some(text) => {
            let _ = writeln!(
                w.out,
                "\n# The policy as given by --policy-from (an export does not show it).\n{}",
                text.trim_end()
            );
        }
        None => {
            let _ = writeln!(
                w.out,
                "\n# PLACEHOLDER policy: an export does not show it, so nothing is auto-closed until you\n# write yours (or use --policy-from), e.g.:\n# [policy]\n# clock = \"last_activity\"\n# scheduler = \"main\"\n# [policy.schedulers.main]\n# kind = \"sweep\"\n# interval = \"25m\"\n# [policy.channels.whatsapp]\n# timeouts = {{ waiting = \"4h\", active = \"2h\" }}"
            );
        }
    }
}
