// Terminal progress bars for the client: one line per transfer (name, bar, bytes, rate, ETA),
// redrawn in place by a background thread on stderr. Only used when stderr is a terminal.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/api_client.hpp"

namespace plik {

// One rendered line (pure, unit-tested): width is the terminal width.
std::string progressLine(const std::string& name, int64_t done, int64_t total, double bytesPerSec,
                         bool finished, bool failed, int width);

class Progress {
 public:
  Progress() = default;
  ~Progress() { stop(); }
  void add(std::string name, Transfer* t);
  void start();  // begins redrawing every 200 ms
  void stop();   // final redraw, leaves the cursor below the bars

 private:
  void draw(bool final);
  struct Entry {
    std::string name;
    Transfer* t;
    int64_t lastDone = 0;
    double rate = 0;
  };
  std::vector<Entry> entries_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  bool running_ = false;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace plik
