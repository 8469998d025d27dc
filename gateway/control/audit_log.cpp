#include "gateway/control/audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "gateway/control/types.hpp"

namespace riskgate::control {

using audit::AuditProducer;
using audit::AuditRecord;

namespace {

std::size_t round_up_pow2(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// Invalid UTF-8 from a peer must not stop the audit: replace, never throw.
std::string dump_line(const nlohmann::json& j) {
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  s.push_back('\n');
  return s;
}

void add_if(nlohmann::json& j, const char* key, const char* value) {
  if (value[0] != '\0') j[key] = value;
}

std::string record_line(const AuditRecord& r, const std::string& producer) {
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
  return dump_line(j);
}

}  // namespace

AuditLog::AuditLog(Options opts) : opts_(std::move(opts)) {
  opts_.ring_capacity = round_up_pow2(opts_.ring_capacity < 2 ? 2 : opts_.ring_capacity);
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
  std::lock_guard lk(mu_);
  if (started_) return;
  started_ = true;
  std::error_code ec;
  if (opts_.path.has_parent_path())
    std::filesystem::create_directories(opts_.path.parent_path(), ec);
  fd_ = ::open(opts_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    last_error_ = "audit log: cannot open " + opts_.path.string() + ": " +
                  std::system_category().message(errno);
    std::fprintf(stderr, "riskgate: AUDIT LOG UNAVAILABLE, new orders will be refused: %s\n",
                 last_error_.c_str());
    return;  // healthy_ stays false: fail closed.
  }
  // Release pairs with healthy()'s and the rings' (try_record) acquire: the
  // file is open before anyone trades.
  healthy_.store(true, std::memory_order_release);
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
  nlohmann::json j = nlohmann::json::object();
  const std::int64_t now = utc_now_ns();
  j["ts"] = format_utc(now);
  j["utc_ns"] = now;
  j["event"] = "control";
  j["action"] = action;
  if (fields.is_object()) {
    for (auto& [k, v] : fields.items()) j[k] = std::move(v);
  }
  {
    std::lock_guard lk(mu_);
    control_lines_.push_back(dump_line(j));
  }
  cv_.notify_all();
  return true;
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
  // Release pairs with healthy()'s and the rings' (try_record) acquire loads.
  healthy_.store(false, std::memory_order_release);
  std::fprintf(stderr, "riskgate: AUDIT LOG FAILED, new orders will be refused: %s\n", why.c_str());
  cv_.notify_all();
}

bool AuditLog::write_pass() {
  if (!healthy()) return false;  // Sticky: nothing more is written after a failure.
  std::string batch;
  std::size_t lines = 0;
  {
    std::lock_guard lk(mu_);
    for (auto& p : producers_) {
      lines += p->drain([&](const AuditRecord& r) { batch += record_line(r, p->name()); });
    }
    for (auto& l : control_lines_) batch += l;
    lines += control_lines_.size();
    control_lines_.clear();
  }
  if (batch.empty()) return false;
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
  lines_written_.fetch_add(lines, std::memory_order_relaxed);
  return true;
}

void AuditLog::run() {
  for (;;) {
    std::uint64_t target = 0;
    bool stop_now = false;
    {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, opts_.poll_interval, [&] {
        return stopping_ || !control_lines_.empty() || flush_requested_ > flush_done_;
      });
      target = flush_requested_;
      stop_now = stopping_;
    }
    write_pass();
    {
      std::lock_guard lk(mu_);
      flush_done_ = target;
    }
    cv_.notify_all();
    if (stop_now) return;
  }
}

}  // namespace riskgate::control
