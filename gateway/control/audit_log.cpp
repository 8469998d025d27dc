#include "gateway/control/audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <system_error>

#include "gateway/control/audit_chain.hpp"
#include "gateway/control/types.hpp"

namespace riskgate::control {

using audit::AuditProducer;
using audit::AuditRecord;

namespace {

// Bumped by the reopen signal's handler, polled by every writer. Lock-free,
// so async-signal-safe; relaxed: the request carries no data.
std::atomic<std::uint64_t> g_reopen_signals{0};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

extern "C" void on_reopen_signal(int) {
  g_reopen_signals.fetch_add(1, std::memory_order_relaxed);
}

std::optional<std::uint64_t> fstatvfs_free(int fd) {
  struct statvfs st {};
  if (::fstatvfs(fd, &st) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

std::size_t round_up_pow2(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// Invalid UTF-8 from a peer must not stop the audit: replace, never throw.
// No newline and no "prev" yet: the writer seals it (audit_chain.hpp).
std::string dump_object(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json control_object(std::string_view action, nlohmann::json fields) {
  nlohmann::json j = nlohmann::json::object();
  const std::int64_t now = utc_now_ns();
  j["ts"] = format_utc(now);
  j["utc_ns"] = now;
  j["event"] = "control";
  j["action"] = action;
  if (fields.is_object()) {
    for (auto& [k, v] : fields.items()) j[k] = std::move(v);
  }
  return j;
}

void add_if(nlohmann::json& j, const char* key, const char* value) {
  if (value[0] != '\0') j[key] = value;
}

nlohmann::json record_json(const AuditRecord& r, const std::string& producer) {
  nlohmann::json j;
  j["ts"] = format_utc(r.utc_ns);
  j["utc_ns"] = r.utc_ns;
  j["event"] = to_string(r.event);
  j["source"] = producer;
  add_if(j, "session", r.session);
  add_if(j, "account", r.account);
  add_if(j, "symbol", r.symbol);
  add_if(j, "cl_ord_id", r.cl_ord_id);
  add_if(j, "rule", r.rule);
  add_if(j, "text", r.text);
  if (r.side != 0) j["side"] = std::string(1, r.side);
  if (r.quantity != 0) j["qty"] = r.quantity;
  if (r.price_micros != 0) j["price_micros"] = r.price_micros;
  if (r.value != 0 || r.limit != 0) {
    j["value"] = r.value;
    j["limit"] = r.limit;
  }
  return j;
}

}  // namespace

AuditLog::AuditLog(Options opts)
    : opts_(std::move(opts)), noise_(std::chrono::nanoseconds(opts_.noise_window).count()) {
  opts_.ring_capacity = round_up_pow2(opts_.ring_capacity < 2 ? 2 : opts_.ring_capacity);
  if (!opts_.free_bytes) opts_.free_bytes = fstatvfs_free;
}

void install_audit_reopen_signal_handler(int sig) {
  std::signal(sig, on_reopen_signal);
}

std::uint64_t reopen_signals() noexcept {
  return g_reopen_signals.load(std::memory_order_relaxed);  // The request carries no data.
}

std::int64_t AuditLog::steady_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

AuditLog::~AuditLog() {
  stop();
}

AuditProducer& AuditLog::add_producer(std::string name) {
  std::lock_guard lk(mu_);
  producers_.push_back(
      std::make_unique<AuditProducer>(std::move(name), opts_.ring_capacity, &healthy_));
  return *producers_.back();
}

void AuditLog::start() {
  std::unique_lock lk(mu_);
  if (started_) return;
  started_ = true;
  std::error_code ec;
  if (opts_.path.has_parent_path())
    std::filesystem::create_directories(opts_.path.parent_path(), ec);
  bool partial = false;
  try {
    prev_hash_ = last_record_hash(opts_.path, &partial);
  } catch (const std::exception& e) {
    last_error_ = std::string("audit log: cannot read the chain's last record: ") + e.what();
    std::fprintf(stderr, "riskgate: AUDIT LOG UNAVAILABLE, new orders will be refused: %s\n",
                 last_error_.c_str());
    return;
  }
  fd_ = ::open(opts_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    last_error_ = "audit log: cannot open " + opts_.path.string() + ": " +
                  std::system_category().message(errno);
    std::fprintf(stderr, "riskgate: AUDIT LOG UNAVAILABLE, new orders will be refused: %s\n",
                 last_error_.c_str());
    return;  // healthy_ stays false: fail closed.
  }
  // A line cut short by a crash is ended, so the next record starts on a line
  // of its own; the verifier still reports the damaged one.
  if (partial && ::write(fd_, "\n", 1) != 1) {
    last_error_ = "audit log: cannot write to " + opts_.path.string();
    ::close(fd_);
    fd_ = -1;
    return;
  }
  next_check_ns_ = steady_ns();
  seen_reopen_signals_ = g_reopen_signals.load(std::memory_order_relaxed);
  // Unlocked from here: check_disk may append, and a failed append takes mu_
  // (fail()). The writer does not exist yet, so nothing else touches fd_.
  lk.unlock();
  // Free space first: a gateway started on a full disk refuses orders from
  // the start. publish_health's release store pairs with healthy()'s and the
  // rings' (try_record) acquire: the file is open before anyone trades.
  check_disk();
  publish_health();
  writer_ = std::thread([this] { run(); });
}

void AuditLog::stop() {
  {
    std::lock_guard lk(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string AuditLog::last_error() const {
  std::lock_guard lk(mu_);
  return last_error_;
}

bool AuditLog::record_control(std::string_view action, nlohmann::json fields) {
  if (!healthy()) return false;
  std::string line = dump_object(control_object(action, std::move(fields)));
  {
    std::lock_guard lk(mu_);
    control_lines_.push_back(std::move(line));
  }
  cv_.notify_all();
  return true;
}

bool AuditLog::record_noise(std::string_view cause, std::string_view action,
                            nlohmann::json fields) {
  if (!healthy()) return false;
  {
    // Decided before anything is built: a suppressed event costs a lookup.
    std::lock_guard lk(mu_);
    const auto carried = noise_.admit(cause, steady_ns());
    noise_suppressed_.store(noise_.suppressed_total(), std::memory_order_relaxed);
    if (!carried) return true;
    if (!fields.is_object()) fields = nlohmann::json::object();
    fields["cause"] = cause;
    if (*carried != 0) fields["suppressed"] = *carried;
    control_lines_.push_back(dump_object(control_object(action, std::move(fields))));
  }
  cv_.notify_all();
  return true;
}

void AuditLog::request_reopen() noexcept {
  reopen_requests_.fetch_add(1, std::memory_order_relaxed);
  cv_.notify_all();
}

nlohmann::json AuditLog::status_json() const {
  return {{"healthy", healthy()},
          {"path", opts_.path.string()},
          {"last_error", last_error()},
          {"disk_low", disk_low_.load(std::memory_order_relaxed)},
          {"disk_hard", disk_hard_.load(std::memory_order_relaxed)},
          {"free_bytes", free_bytes_.load(std::memory_order_relaxed)},
          {"disk_low_mib", opts_.disk_low_bytes >> 20},
          {"disk_hard_mib", opts_.disk_hard_bytes >> 20},
          {"reopens", reopens_.load(std::memory_order_relaxed)},
          {"noise_suppressed", noise_suppressed_.load(std::memory_order_relaxed)},
          {"lines_written", lines_written()}};
}

void AuditLog::flush() {
  std::unique_lock lk(mu_);
  if (!started_ || stopping_ || !writer_.joinable()) return;
  const std::uint64_t ticket = ++flush_requested_;
  cv_.notify_all();
  cv_.wait(lk, [&] { return flush_done_ >= ticket || !healthy() || stopping_; });
}

void AuditLog::fail(const std::string& why) {
  {
    std::lock_guard lk(mu_);
    last_error_ = why;
  }
  failed_ = true;
  // Release pairs with healthy()'s and the rings' (try_record) acquire loads.
  healthy_.store(false, std::memory_order_release);
  std::fprintf(stderr, "riskgate: AUDIT LOG FAILED, new orders will be refused: %s\n", why.c_str());
  cv_.notify_all();
}

bool AuditLog::write_pass() {
  if (failed_) return false;  // Sticky: nothing more is written after a failure.
  std::vector<std::string> objects;
  {
    std::lock_guard lk(mu_);
    const std::int64_t now = steady_ns();
    for (auto& p : producers_) {
      (void)p->drain([&](const AuditRecord& r) {
        nlohmann::json j = record_json(r, p->name());
        // A refused Logon is something any peer that knows a CompID can
        // cause: summarised per session and reason, like admin 401s.
        if (r.event == audit::AuditEvent::kLogonRefused) {
          const auto carried =
              noise_.admit("logon_refused:" + std::string(r.session) + ":" + r.rule, now);
          if (!carried) return;
          if (*carried != 0) j["suppressed"] = *carried;
        }
        objects.push_back(dump_object(j));
        if (r.event == audit::AuditEvent::kOrderRefused ||
            r.event == audit::AuditEvent::kExchangeReject)
          recent_refusals_.push(objects.back());
      });
    }
    for (auto& l : control_lines_) objects.push_back(std::move(l));
    control_lines_.clear();
    for (auto& s : noise_.due(now)) {
      objects.push_back(dump_object(
          control_object("noise_summary", {{"cause", s.cause},
                                           {"suppressed", s.suppressed},
                                           {"window_ms", opts_.noise_window.count()}})));
    }
    noise_suppressed_.store(noise_.suppressed_total(), std::memory_order_relaxed);
  }
  if (objects.empty()) return false;
  return append(objects);
}

std::vector<std::string> AuditLog::recent_refusals() const {
  std::lock_guard lk(mu_);
  return recent_refusals_.newest_first();
}

std::uint64_t AuditLog::refusals_seen() const {
  std::lock_guard lk(mu_);
  return recent_refusals_.total();
}

bool AuditLog::append(const std::vector<std::string>& objects) {
  if (failed_) return false;
  std::string batch;
  for (const auto& o : objects) {
    std::string line = seal_record(o, prev_hash_);
    prev_hash_ = record_hash(line);
    batch += line;
    batch.push_back('\n');
  }
  const char* data = batch.data();
  std::size_t left = batch.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("audit log: write to " + opts_.path.string() +
           " failed: " + std::system_category().message(errno));
      return false;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (opts_.sync && ::fdatasync(fd_) != 0) {
    fail("audit log: fdatasync of " + opts_.path.string() +
         " failed: " + std::system_category().message(errno));
    return false;
  }
  lines_written_.fetch_add(objects.size(), std::memory_order_relaxed);
  return true;
}

void AuditLog::reopen(const char* why) {
  if (failed_) return;
  const int fd = ::open(opts_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    // The old descriptor may still work, but records written there would be
    // in a file operations have moved away: fail closed instead.
    fail("audit log: cannot reopen " + opts_.path.string() + " (" + why +
         "): " + std::system_category().message(errno));
    return;
  }
  if (opts_.sync) (void)::fdatasync(fd_);  // Best effort: the old file is being let go.
  ::close(fd_);
  fd_ = fd;
  reopens_.fetch_add(1, std::memory_order_relaxed);
  // The new file's first record: it chains to the old file's last one.
  (void)append({dump_object(
      control_object("audit_reopened", {{"reason", why}, {"path", opts_.path.string()}}))});
}

void AuditLog::check_file() {
  struct stat open_st {};
  struct stat path_st {};
  if (::fstat(fd_, &open_st) != 0) return;
  if (::stat(opts_.path.c_str(), &path_st) != 0) {
    if (errno == ENOENT) reopen("renamed_or_deleted");
    return;  // Other errors (EACCES on a parent, ...): keep the open file.
  }
  // Another file at the path: logrotate's "create" after the rename.
  if (path_st.st_ino != open_st.st_ino || path_st.st_dev != open_st.st_dev) reopen("replaced");
}

void AuditLog::check_disk() {
  const auto free = opts_.free_bytes(fd_);
  if (!free) return;
  free_bytes_.store(*free, std::memory_order_relaxed);
  // Hysteresis of 1/16 of the watermark, so free space hovering at the line
  // gives one record per crossing, not one per check.
  auto crossed = [&](std::atomic<bool>& flag, std::uint64_t mark) {
    if (mark == 0) return false;
    const bool was = flag.load(std::memory_order_relaxed);
    const bool now = was ? *free < mark + mark / 16 : *free < mark;
    if (now == was) return false;
    flag.store(now, std::memory_order_relaxed);
    return true;
  };
  const auto fields = [&](std::uint64_t mark) {
    return nlohmann::json{{"free_bytes", *free}, {"watermark_bytes", mark}};
  };
  if (crossed(disk_low_, opts_.disk_low_bytes)) {
    const bool low = disk_low_.load(std::memory_order_relaxed);
    if (low)
      std::fprintf(stderr, "riskgate: WARNING: audit log disk low: %llu bytes free\n",
                   static_cast<unsigned long long>(*free));
    (void)append({dump_object(
        control_object(low ? "audit_disk_low" : "audit_disk_ok", fields(opts_.disk_low_bytes)))});
  }
  if (crossed(disk_hard_, opts_.disk_hard_bytes)) {
    const bool hard = disk_hard_.load(std::memory_order_relaxed);
    if (hard)
      std::fprintf(stderr,
                   "riskgate: AUDIT LOG DISK FULL (below the hard watermark), new orders will be "
                   "refused: %llu bytes free\n",
                   static_cast<unsigned long long>(*free));
    // Written either way: the record that explains the refusals, or their end.
    (void)append({dump_object(control_object(hard ? "audit_disk_hard" : "audit_disk_hard_cleared",
                                             fields(opts_.disk_hard_bytes)))});
    publish_health();
  }
}

void AuditLog::publish_health() {
  const bool ok = !failed_ && !disk_hard_.load(std::memory_order_relaxed);
  // Release pairs with healthy()'s and the rings' (try_record) acquire loads.
  healthy_.store(ok, std::memory_order_release);
  cv_.notify_all();
}

void AuditLog::run() {
  for (;;) {
    std::uint64_t target = 0;
    bool stop_now = false;
    {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, opts_.poll_interval, [&] {
        return stopping_ || !control_lines_.empty() || flush_requested_ > flush_done_ ||
               reopen_requests_.load(std::memory_order_relaxed) != seen_reopen_requests_;
      });
      target = flush_requested_;
      stop_now = stopping_;
    }
    write_pass();
    // Off the order path, after the pass: what was queued before a rotation
    // goes to the old file, whose last record the new file's first names.
    const std::uint64_t req = reopen_requests_.load(std::memory_order_relaxed);
    const std::uint64_t sig = g_reopen_signals.load(std::memory_order_relaxed);
    if (!stop_now && (req != seen_reopen_requests_ || sig != seen_reopen_signals_)) {
      seen_reopen_requests_ = req;
      seen_reopen_signals_ = sig;
      reopen("signal");
    }
    const std::int64_t now = steady_ns();
    if (!stop_now && !failed_ && now >= next_check_ns_) {
      next_check_ns_ = now + std::chrono::nanoseconds(opts_.check_interval).count();
      check_file();
      if (!failed_) check_disk();
    }
    {
      std::lock_guard lk(mu_);
      flush_done_ = target;
    }
    cv_.notify_all();
    if (stop_now) return;
  }
}

}  // namespace riskgate::control
