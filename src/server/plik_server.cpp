// PlikServer: start-up (backends, crash recovery), network threads, listeners, periodic
// cleaner and stats refresh, and an orderly shutdown that ends streams with an error.
#include "server/plik_server.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <csignal>
#include <random>
#include <stdexcept>
#include <thread>

#include "data/data_backend_factory.hpp"
#include "data/file/file_backend.hpp"
#include "http/server.hpp"
#include "server/blocking.hpp"
#include "server/dispatcher.hpp"
#include "server/upload_lease.hpp"

namespace plik {

namespace asio = boost::asio;

struct PlikServer::Impl {
  Config config;
  std::unique_ptr<MetadataBackend> meta;
  std::unique_ptr<DataBackend> data;
  std::unique_ptr<StreamRegistry> streams;
  asio::thread_pool pool{4};
  Metrics metrics;
  std::unique_ptr<Services> services;
  // Network threads: thread 0 runs ioc (listeners, timers, and its share of connections),
  // thread i runs loops[i-1]; each loop has exactly one thread (concurrency hint 1), so a
  // connection needs no strand and the loops never contend for one scheduler lock.
  asio::io_context ioc{1};
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<http::HttpServer> http;
  std::unique_ptr<http::HttpServer> metricsHttp;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  uint16_t metricsPort = 0;
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;   // stop() has begun
  bool finished = false;  // stop() is done: every thread joined
  asio::steady_timer cleanTimer{ioc};
  asio::steady_timer statsTimer{ioc};
  asio::steady_timer leaseTimer{ioc};

  asio::awaitable<void> leaseLoop() {
    const auto every = std::chrono::seconds(config.leaseInterval);
    for (;;) {
      leaseTimer.expires_after(every);
      boost::system::error_code ec;
      co_await leaseTimer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      auto job2 = [this, every] {
        return runLeaseRound(*meta, *data, *streams, services->instanceId,
                             every * kLeaseExpiryIntervals);
      };
      auto r = co_await runBlocking(pool, job2);
      if (!r.ok()) spdlog::warn("upload lease renewal failed : {} {}", r.error().message, r.error().detail);
    }
  }

  asio::awaitable<void> cleanerLoop() {
    std::mt19937 rng(std::random_device{}());
    for (;;) {
      int64_t every = config.cleaningInterval;
      if (every < 0) co_return;
      if (every == 0) every = 300 + static_cast<int64_t>(rng() % 300);
      cleanTimer.expires_after(std::chrono::seconds(every));
      boost::system::error_code ec;
      co_await cleanTimer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      auto t0 = std::chrono::steady_clock::now();
      auto job0 = [this] { return runCleaning(*meta, *data); };
      auto r = co_await runBlocking(pool, job0);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!r.ok()) {
        spdlog::warn("cleaning failed : {} {}", r.error().message, r.error().detail);
        continue;
      }
      metrics.cleaningRun(secs, r->removedUploads, r->deletedFiles, r->deletedUploads, r->orphanFiles);
    }
  }

  asio::awaitable<void> statsLoop() {
    for (;;) {
      auto job1 = [this] { return meta->serverStats(); };
      auto r = co_await runBlocking(pool, job1);
      if (r.ok()) metrics.setServerStats(*r);
      statsTimer.expires_after(std::chrono::seconds(60));
      boost::system::error_code ec;
      co_await statsTimer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }
  }
};

std::string instanceUrlOf(const Config& cfg, uint16_t port) {
  if (!cfg.instanceUrl.empty()) return cfg.instanceUrl;
  std::string host = cfg.listenAddress;
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") {
    char name[256] = {0};
    ::gethostname(name, sizeof name - 1);
    host = name;
  } else if (host.find(':') != std::string::npos && host.front() != '[') {
    host = "[" + host + "]";
  }
  return std::string(cfg.sslEnabled ? "https://" : "http://") + host + ":" + std::to_string(port);
}

PlikServer::PlikServer(Config cfg) : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.config = std::move(cfg);
  auto meta = openMetadataBackend(d.config.metadataBackendConfig);
  if (!meta.ok())
    throw std::runtime_error("unable to open metadata backend : " + meta.error().message + " " +
                             meta.error().detail);
  d.meta = std::move(meta).value();
  auto data = openDataBackend(d.config.dataBackend, d.config.dataBackendConfig);
  if (!data.ok())
    throw std::runtime_error("unable to open data backend : " + data.error().message + " " +
                             data.error().detail);
  d.data = std::move(data).value();
  d.streams = std::make_unique<StreamRegistry>(std::chrono::seconds(d.config.streamTimeout));

  std::string instance = instanceUrlOf(d.config, static_cast<uint16_t>(d.config.listenPort));
  d.services = std::unique_ptr<Services>(
      new Services{d.config, *d.meta, *d.data, *d.streams, d.pool, d.metrics, instance});

  // Crash recovery: uploads this instance was receiving when it died go back to `missing`.
  auto interrupted = d.meta->resetInterruptedUploads(instance);
  if (interrupted.ok()) {
    for (const auto& f : *interrupted) (void)d.data->removeBlocking(f);
    if (!interrupted->empty())
      spdlog::info("reset {} interrupted upload(s) to missing", interrupted->size());
  }
  if (d.config.dataBackend == "file") {
    auto dir = d.config.dataBackendConfig.count("Directory") ? d.config.dataBackendConfig.at("Directory")
                                                             : std::string("files");
    // Younger part files may belong to another instance sharing the directory; this
    // instance's own interrupted uploads were removed by file just above.
    auto n = FileBackend::removeStalePartFiles(dir, std::chrono::hours(1));
    if (n > 0) spdlog::info("removed {} partial file(s) left by an interrupted upload", n);
  }
}

PlikServer::~PlikServer() { stop(); }

Result<uint16_t> PlikServer::start() {
  auto& d = *impl_;
  // sendfile(2) to a reset connection raises SIGPIPE; errors are handled as values instead.
  std::signal(SIGPIPE, SIG_IGN);
  http::ServerOptions opt;
  opt.maxHeaderBytes = static_cast<size_t>(d.config.maxHeaderSize);
  opt.readTimeout = std::chrono::seconds(std::max<int64_t>(1, d.config.readTimeout));
  opt.idleTimeout = std::chrono::seconds(std::max<int64_t>(1, d.config.readTimeout * 2));
  const int n = d.config.threads > 0
                    ? d.config.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<asio::io_context*> connectionLoops{&d.ioc};
  for (int i = 1; i < n; ++i) {
    d.loops.push_back(std::make_unique<asio::io_context>(1));
    connectionLoops.push_back(d.loops.back().get());
  }
  d.http = std::make_unique<http::HttpServer>(d.ioc, opt, makeDispatcher(*d.services),
                                              connectionLoops);
  if (d.config.sslEnabled) {
    http::TlsOptions tls;
    tls.certFile = d.config.sslCert;
    tls.keyFile = d.config.sslKey;
    tls.minVersion = d.config.tlsVersion;
    tls.handshakeTimeout = opt.readTimeout;
    if (auto st = d.http->enableTls(tls); !st.ok()) return std::move(st).error();
  }
  auto port = d.http->listen(d.config.listenAddress, static_cast<uint16_t>(d.config.listenPort));
  if (!port.ok()) return std::move(port).error();
  d.port = *port;
  if (!d.config.unixSocket.empty())
    if (auto st = d.http->listenUnix(d.config.unixSocket); !st.ok()) return std::move(st).error();
  // Port 0 (tests): the instance is named after the port actually bound.
  if (d.config.instanceUrl.empty() && d.config.listenPort == 0)
    d.services->instanceId = instanceUrlOf(d.config, d.port);
  if (d.config.metricsPort > 0) {
    auto* metrics = &d.metrics;
    d.metricsHttp = std::make_unique<http::HttpServer>(
        d.ioc, opt,
        [metrics](http::Request&, http::BodyReader&, http::ResponseWriter& res) -> asio::awaitable<void> {
          res.setHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
          std::string text = metrics->render();
          (void)co_await res.send(text);
        });
    auto mp = d.metricsHttp->listen(d.config.metricsAddress, static_cast<uint16_t>(d.config.metricsPort));
    if (!mp.ok()) return std::move(mp).error();
    d.metricsPort = *mp;
    d.metricsHttp->start();
  }
  d.http->start();
  asio::co_spawn(d.ioc, d.cleanerLoop(), asio::detached);
  asio::co_spawn(d.ioc, d.statsLoop(), asio::detached);
  asio::co_spawn(d.ioc, d.leaseLoop(), asio::detached);
  for (auto* loop : connectionLoops) {
    d.work.emplace_back(loop->get_executor());
    d.threads.emplace_back([loop] { loop->run(); });
  }
  return d.port;
}

void PlikServer::wait() {
  std::unique_lock lk(impl_->mu);
  impl_->cv.wait(lk, [this] { return impl_->finished; });
}

void PlikServer::stop() {
  auto& d = *impl_;
  {
    std::lock_guard lk(d.mu);
    if (d.stopped) return;
    d.stopped = true;
  }
  d.streams->shutdown();  // streams end now, with an error on both sides
  if (d.http) {
    // Like Plik (spec §10): no new connections, idle ones closed, requests in flight get up to
    // ShutdownTimeout to end; whatever is left then is cut.
    d.http->drain();
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(std::max<int64_t>(0, d.config.shutdownTimeout));
    while (d.http->connectionCount() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    d.http->stop();
  }
  if (d.metricsHttp) d.metricsHttp->stop();
  asio::post(d.ioc, [&d] {
    d.cleanTimer.cancel();
    d.statsTimer.cancel();
    d.leaseTimer.cancel();
  });
  // Give in-flight responses a moment to end, then stop the loop.
  for (int i = 0; i < 50 && d.http && d.http->connectionCount() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  d.work.clear();
  d.ioc.stop();
  for (auto& loop : d.loops) loop->stop();
  for (auto& t : d.threads)
    if (t.joinable()) t.join();
  d.threads.clear();
  d.pool.join();
  {
    std::lock_guard lk(d.mu);
    d.finished = true;
  }
  d.cv.notify_all();
}

uint16_t PlikServer::port() const { return impl_->port; }
uint16_t PlikServer::metricsPort() const { return impl_->metricsPort; }
Services& PlikServer::services() { return *impl_->services; }
const Config& PlikServer::config() const { return impl_->config; }

}  // namespace plik
