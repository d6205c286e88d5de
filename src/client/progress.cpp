// Progress bars (see progress.hpp): ANSI cursor-up redraw every 200 ms, rate = average since start.
#include "client/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "client/format.hpp"
#include "codec/humanize.hpp"

namespace plik {

std::string progressLine(const std::string& name, int64_t done, int64_t total, double rate,
                         bool finished, bool failed, int width) {
  std::string right = humanizeBytes(done);
  if (total >= 0) right += " / " + humanizeBytes(total);
  if (rate > 0) right += "  " + humanizeBytes(static_cast<int64_t>(rate)) + "/s";
  if (failed)
    right += "  FAILED";
  else if (finished)
    right += "  done";
  else if (total > 0 && rate > 1)
    right += "  ETA " + formatEta(static_cast<int64_t>((total - done) / rate));
  std::string label = name.size() > 20 ? name.substr(0, 17) + "..." : name;
  label.resize(20, ' ');
  // Fixed-width right column so the bar does not jump while the numbers change.
  if (right.size() < 36) right.resize(36, ' ');
  int barWidth = width - static_cast<int>(label.size() + right.size()) - 10;
  std::string bar;
  if (barWidth >= 10) {
    bar = "[";
    if (total > 0) {
      int fill =
          static_cast<int>(static_cast<double>(barWidth) * std::min<int64_t>(done, total) / total);
      bar += std::string(fill, '=');
      if (fill < barWidth) bar += '>' + std::string(barWidth - fill - 1, ' ');
    } else {
      bar += std::string(finished ? barWidth : 0, '=') + std::string(finished ? 0 : barWidth, ' ');
    }
    bar += "] ";
    if (total > 0) {
      char pct[8];
      std::snprintf(pct, sizeof pct, "%3d%% ",
                    static_cast<int>(100.0 * std::min<int64_t>(done, total) / total));
      bar += pct;
    } else {
      bar += "     ";
    }
  }
  return label + " " + bar + right;
}

void Progress::add(std::string name, Transfer* t) {
  std::lock_guard l(mu_);
  entries_.push_back(Entry{std::move(name), t});
}

void Progress::start() {
  start_ = std::chrono::steady_clock::now();
  running_ = true;
  thread_ = std::thread([this] {
    std::unique_lock l(mu_);
    while (running_) {
      draw(false);
      cv_.wait_for(l, std::chrono::milliseconds(200));
    }
  });
}

void Progress::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard l(mu_);
    running_ = false;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard l(mu_);
  draw(true);
}

void Progress::draw(bool final) {
  winsize ws{};
  int width = 80;
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) width = ws.ws_col;
  std::string out;
  if (drawn_) out += "\x1b[" + std::to_string(entries_.size()) + "A";
  for (auto& e : entries_) {
    int64_t done = e.t->done.load();
    if (!e.t->finished && !e.t->failed) {  // average since the start, frozen at the end
      double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      if (secs > 0.05) e.rate = static_cast<double>(done) / secs;
    }
    out += "\r" +
           progressLine(e.name, done, e.t->total.load(), e.rate, e.t->finished || final,
                        e.t->failed.load(), width - 1) +
           "\x1b[K\n";
  }
  drawn_ = true;
  ssize_t ignored = ::write(STDERR_FILENO, out.data(), out.size());
  (void)ignored;
}

}  // namespace plik
