// rg-report: turns one suite run's raw results into what people read.
//
// Input (a results directory written by bench/run-suite):
//   runs.jsonl      one rg-loadgen JSON line per run, with the suite's --meta
//                   fields (path, kind, mode, ...)
//   machine.json    nproc, CPU model, kernel, commit, command
//   memory.jsonl    (optional) gateway RSS samples from the antagonistic run
//   kill.json       (optional) the kill-switch benchmark's summary
//                   (rg-killbench --summarize); its "text" lines end the table
// Output, in the same directory:
//   results.json    machine + every run + max sustainable rate per path
//   runs.csv        one row per run
//   table.txt       the terminal table (also printed)
//   latency.svg     percentile curves (x: 1/(1-p) log scale, y: latency us, log)
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

using nlohmann::json;

namespace {

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      out.push_back(json::parse(line));
    } catch (const std::exception& e) {
      std::cerr << "rg-report: skipping bad line in " << path << ": " << e.what() << "\n";
    }
  }
  return out;
}

std::string str(const json& j, const char* key, const std::string& dflt = "") {
  if (!j.contains(key)) return dflt;
  if (j[key].is_string()) return j[key].get<std::string>();
  return j[key].dump();
}

double num(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return 0.0;
  return j[key].get<double>();
}

std::string fmt(double v, int prec = 1) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(prec) << v;
  return s.str();
}

// Latency cell: 0.1 us resolution below 1 ms, whole us above (keeps columns).
std::string lat(double us) {
  return fmt(us, us < 1000 ? 1 : 0);
}

std::string rate_label(double r) {
  if (r >= 1000 && std::fmod(r, 1000) == 0) return fmt(r / 1000, 0) + "k";
  if (r >= 1000) return fmt(r / 1000, 1) + "k";
  return fmt(r, 0);
}

// Display name of a run: path plus mode ("riskgate busy-poll").
std::string run_name(const json& r) {
  std::string n = str(r, "path", str(r, "label"));
  const std::string mode = str(r, "mode");
  if (!mode.empty() && mode != "sleep") n += " " + mode;
  return n;
}

// ---------------------------------------------------------------------------
// SVG
// ---------------------------------------------------------------------------
const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

std::string color_for(const std::string& path) {
  static const std::map<std::string, int> order = {
      {"direct", 0}, {"relay", 1}, {"riskgate", 2}, {"qf-proxy", 3}};
  const auto it = order.find(path);
  return kColors[it == order.end() ? 5 : it->second];
}

std::string svg_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '&')
      o += "&amp;";
    else
      o += c;
  }
  return o;
}

void write_svg(const std::string& file, const std::vector<json>& runs, const json& machine) {
  // One panel per offered rate of the fixed-rate runs.
  std::vector<double> rates;
  for (const auto& r : runs) {
    if (str(r, "kind") != "fixed") continue;
    const double rate = num(r, "offered_rate");
    if (std::find(rates.begin(), rates.end(), rate) == rates.end()) rates.push_back(rate);
  }
  std::sort(rates.begin(), rates.end());
  if (rates.empty()) return;

  // Shared y range (log10 us) across panels so they compare at a glance.
  double ymin = 1e9, ymax = 0;
  for (const auto& r : runs) {
    if (str(r, "kind") != "fixed" || !r.contains("curve")) continue;
    for (const auto& pt : r["curve"]) {
      const double v = pt[1].get<double>();
      if (v > 0) {
        ymin = std::min(ymin, v);
        ymax = std::max(ymax, v);
      }
    }
  }
  if (ymax <= 0) return;
  const double ly0 = std::floor(std::log10(ymin)), ly1 = std::ceil(std::log10(ymax));
  const double xmax_decades = 5;  // up to 99.999%

  const int pw = 380, ph = 300, ml = 60, mt = 50, gap = 30, mb = 110;
  const int width = ml + static_cast<int>(rates.size()) * (pw + gap);
  const int height = mt + ph + mb;
  std::ofstream o(file);
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
    << "' font-family='sans-serif' font-size='11'>\n"
    << "<rect width='100%' height='100%' fill='white'/>\n";
  o << "<text x='" << ml
    << "' y='18' font-size='14' font-weight='bold'>riskgate end-to-end "
       "round trip (order to ack), latency from intended send time</text>\n";
  o << "<text x='" << ml << "' y='34' fill='#555'>"
    << svg_escape(str(machine, "cpu_model") + ", " + str(machine, "nproc") + " cores, Linux " +
                  str(machine, "kernel") + ", " + str(machine, "date"))
    << "</text>\n";

  for (std::size_t pi = 0; pi < rates.size(); ++pi) {
    const int x0 = ml + static_cast<int>(pi) * (pw + gap), y0 = mt;
    auto X = [&](double decades) { return x0 + decades / xmax_decades * pw; };
    auto Y = [&](double us) {
      const double l = std::log10(std::max(us, std::pow(10.0, ly0)));
      return y0 + ph - (l - ly0) / (ly1 - ly0) * ph;
    };
    o << "<rect x='" << x0 << "' y='" << y0 << "' width='" << pw << "' height='" << ph
      << "' fill='none' stroke='#999'/>\n";
    o << "<text x='" << x0 + pw / 2 << "' y='" << y0 - 6
      << "' text-anchor='middle' font-weight='bold'>" << rate_label(rates[pi])
      << " orders/s</text>\n";
    const char* xt[] = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
    for (int d = 0; d <= 5; ++d) {
      o << "<line x1='" << X(d) << "' y1='" << y0 << "' x2='" << X(d) << "' y2='" << y0 + ph
        << "' stroke='#eee'/>\n<text x='" << X(d) << "' y='" << y0 + ph + 14
        << "' text-anchor='middle'>" << xt[d] << "</text>\n";
    }
    for (double l = ly0; l <= ly1 + 1e-9; l += 1) {
      const double v = std::pow(10.0, l);
      o << "<line x1='" << x0 << "' y1='" << Y(v) << "' x2='" << x0 + pw << "' y2='" << Y(v)
        << "' stroke='#eee'/>\n";
      if (pi == 0) {
        o << "<text x='" << x0 - 4 << "' y='" << Y(v) + 4 << "' text-anchor='end'>"
          << (v >= 1 ? fmt(v, 0) : fmt(v, 1)) << "</text>\n";
      }
    }
    if (pi == 0) {
      o << "<text transform='translate(14," << y0 + ph / 2
        << ") rotate(-90)' text-anchor='middle'>latency (us, log)</text>\n";
    }
    o << "<text x='" << x0 + pw / 2 << "' y='" << y0 + ph + 30
      << "' text-anchor='middle' fill='#555'>percentile</text>\n";
    int legend = 0;
    for (const auto& r : runs) {
      if (str(r, "kind") != "fixed" || num(r, "offered_rate") != rates[pi] ||
          !r.contains("curve")) {
        continue;
      }
      const std::string path = str(r, "path");
      const bool busy = str(r, "mode") == "busy-poll";
      std::ostringstream pts;
      for (const auto& pt : r["curve"]) {
        const double p = pt[0].get<double>();
        const double dec =
            p >= 100.0 ? xmax_decades : std::min(xmax_decades, std::log10(100.0 / (100.0 - p)));
        pts << fmt(X(dec), 1) << "," << fmt(Y(pt[1].get<double>()), 1) << " ";
      }
      o << "<polyline fill='none' stroke='" << color_for(path) << "' stroke-width='1.6'"
        << (busy ? " stroke-dasharray='5,3'" : "") << " points='" << pts.str() << "'/>\n";
      const int ly = y0 + ph + 48 + 14 * (legend % 4);
      const int lx = x0 + 190 * (legend / 4);
      o << "<line x1='" << lx << "' y1='" << ly - 4 << "' x2='" << lx + 20 << "' y2='" << ly - 4
        << "' stroke='" << color_for(path) << "' stroke-width='2'"
        << (busy ? " stroke-dasharray='5,3'" : "") << "/>\n<text x='" << lx + 24 << "' y='" << ly
        << "'>" << svg_escape(run_name(r)) << " p99 " << fmt(num(r["latency"], "p99_us"))
        << " us</text>\n";
      ++legend;
    }
  }
  o << "</svg>\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  double p99_bound_us = 1000;
  CLI::App app{"rg-report: table, CSV, JSON and SVG from a bench/run-suite results directory"};
  app.add_option("dir", dir)->required();
  app.add_option("--p99-bound-us", p99_bound_us, "bound used for the max sustainable rate");
  CLI11_PARSE(app, argc, argv);

  const auto runs = read_jsonl(dir + "/runs.jsonl");
  json machine = json::object();
  {
    std::ifstream m(dir + "/machine.json");
    if (m) {
      try {
        machine = json::parse(m);
      } catch (...) {
      }
    }
  }
  const auto memory = read_jsonl(dir + "/memory.jsonl");
  json kill = nullptr;
  {
    std::ifstream k(dir + "/kill.json");
    if (k) {
      kill = json::parse(k, nullptr, false);
      if (kill.is_discarded()) {
        std::cerr << "rg-report: kill.json is not JSON; left out\n";
        kill = nullptr;
      }
    }
  }

  // Max sustainable rate per path: highest passing search step; the first
  // failure reported is the lowest failing rate above it that never passed
  // (a step may fail once and pass on its retry).
  std::map<std::string, json> best;
  std::map<std::string, std::vector<double>> passed, failed;
  for (const auto& r : runs) {
    if (str(r, "kind") != "search") continue;
    const std::string name = run_name(r);
    auto& b = best[name];
    if (!b.is_object()) b = {{"path", name}, {"max_rate", 0}, {"first_fail", nullptr}};
    const double rate = num(r, "offered_rate");
    if (r.value("pass", false)) {
      passed[name].push_back(rate);
      if (rate > b["max_rate"].get<double>()) {
        b["max_rate"] = rate;
        b["p99_us"] = num(r["latency"], "p99_us");
        b["achieved_rate"] = num(r, "achieved_rate");
      }
    } else {
      failed[name].push_back(rate);
    }
  }
  for (auto& [name, b] : best) {
    const auto& ok = passed[name];
    for (double rate : failed[name]) {
      if (rate <= b["max_rate"].get<double>()) continue;
      if (std::find(ok.begin(), ok.end(), rate) != ok.end()) continue;
      if (b["first_fail"].is_null() || rate < b["first_fail"].get<double>()) b["first_fail"] = rate;
    }
  }

  // Table.
  std::ostringstream t;
  auto row = [&](const std::vector<std::string>& cells) {
    static const int w[] = {18, 11, 7, 10, 9, 9, 10, 10, 10, 10, 9, 9, 7};
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i == 0)
        t << std::left << std::setw(w[i]) << cells[i];
      else
        t << std::right << std::setw(w[i]) << cells[i];
    }
    t << "\n";
  };
  t << "Round trip NewOrderSingle -> ExecutionReport ack, us, from intended send time "
       "(coordinated-omission corrected)\n";
  row({"path", "kind", "rate", "achieved", "min", "p50", "p90", "p99", "p99.9", "max", "rejects",
       "timeouts", "steal%"});
  for (const auto& r : runs) {
    const auto& l = r["latency"];
    row({run_name(r), str(r, "kind"), rate_label(num(r, "offered_rate")),
         rate_label(num(r, "achieved_rate")), lat(num(l, "min_us")), lat(num(l, "p50_us")),
         lat(num(l, "p90_us")), lat(num(l, "p99_us")), lat(num(l, "p999_us")),
         lat(num(l, "max_us")), str(r, "rejects"), str(r, "timeouts"),
         fmt(num(r, "steal_pct"), 0)});
  }
  t << "steal% = CPU time the hypervisor gave to other guests during the run; runs with high\n"
       "steal show stalls that are not the path's.\n";
  t << "\nMax sustainable rate (p99 <= " << fmt(p99_bound_us, 0)
    << " us, achieved >= 99% of offered, no timeouts or rejects):\n";
  for (const auto& [name, b] : best) {
    t << "  " << std::left << std::setw(18) << name << " ";
    if (b["max_rate"].get<double>() > 0) {
      t << rate_label(b["max_rate"].get<double>()) << " orders/s";
    } else {
      t << "none: even the lowest step failed";
    }
    if (b["max_rate"].get<double>() > 0) t << " (p99 " << fmt(b["p99_us"].get<double>()) << " us)";
    if (!b["first_fail"].is_null())
      t << ", first failing step " << rate_label(b["first_fail"].get<double>());
    t << "\n";
  }
  for (const auto& m : memory) {
    t << "\nAntagonistic run (" << str(m, "path") << " at " << rate_label(num(m, "offered_rate"))
      << "/s = 2x expected peak " << rate_label(num(m, "expected_peak")) << "/s): gateway RSS "
      << str(m, "rss_before_kb") << " kB -> " << str(m, "rss_after_kb") << " kB (peak "
      << str(m, "hwm_after_kb") << " kB)";
    for (const auto& r : runs) {
      if (str(r, "kind") == "antagonist" && str(r, "path") == str(m, "path")) {
        t << "; acks " << str(r, "acks") << ", throttle refusals " << str(r, "rejects")
          << ", timeouts " << str(r, "timeouts") << "; first refusal: \""
          << str(r, "first_reject_text") << "\"";
      }
    }
    t << "\n";
  }
  if (kill.is_object() && kill.contains("text") && kill["text"].is_array()) {
    t << "\n";
    for (const auto& l : kill["text"])
      if (l.is_string()) t << l.get<std::string>() << "\n";
  }
  std::cout << t.str();
  std::ofstream(dir + "/table.txt") << t.str();

  // CSV.
  std::ofstream csv(dir + "/runs.csv");
  csv << "path,mode,kind,offered_rate,achieved_rate,sent,acks,rejects,timeouts,min_us,p50_us,"
         "p90_us,p99_us,p999_us,max_us,service_p50_us,service_p99_us,max_send_lag_us,steal_pct,"
         "pass\n";
  for (const auto& r : runs) {
    const auto& l = r["latency"];
    const auto& s = r["service_time"];
    csv << str(r, "path") << "," << str(r, "mode") << "," << str(r, "kind") << ","
        << num(r, "offered_rate") << "," << fmt(num(r, "achieved_rate"), 0) << "," << str(r, "sent")
        << "," << str(r, "acks") << "," << str(r, "rejects") << "," << str(r, "timeouts") << ","
        << fmt(num(l, "min_us"), 2) << "," << fmt(num(l, "p50_us"), 2) << ","
        << fmt(num(l, "p90_us"), 2) << "," << fmt(num(l, "p99_us"), 2) << ","
        << fmt(num(l, "p999_us"), 2) << "," << fmt(num(l, "max_us"), 2) << ","
        << fmt(num(s, "p50_us"), 2) << "," << fmt(num(s, "p99_us"), 2) << ","
        << fmt(num(r, "max_send_lag_us"), 1) << "," << fmt(num(r, "steal_pct"), 1) << ","
        << (r.value("pass", false) ? "true" : "false") << "\n";
  }

  json all = {{"machine", machine},
              {"runs", runs},
              {"memory", memory},
              {"kill", kill},
              {"p99_bound_us", p99_bound_us},
              {"max_sustainable", json::array()}};
  for (const auto& [name, b] : best) all["max_sustainable"].push_back(b);
  std::ofstream(dir + "/results.json") << all.dump(1) << "\n";
  write_svg(dir + "/latency.svg", runs, machine);
  return 0;
}
