// `claimgate-sim fleet`: a national fleet of terminal connections on one gateway node, or
// silent and dribbling peers against a legitimate terminal; one JSON line (contracts §9).
#include "command_registry.hpp"
#include "fleet/fleet_limits.hpp"
#include "fleet/fleet_options.hpp"
#include "fleet/fleet_shard.hpp"
#include "load/latency_histogram.hpp"
#include "load/latency_report.hpp"
#include "load/load_connection.hpp"
#include "load/load_roster.hpp"
#include "load/terminal_tls.hpp"

#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include <openssl/ssl.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

namespace claimgate::simulators {
namespace {

int fail(const std::string& message) {
    std::fprintf(stderr, "claimgate-sim fleet: %s\n", message.c_str());
    return 1;
}

/// Lifts the soft descriptor limit to the hard one; the number of descriptors now allowed.
std::uint64_t raiseFileLimit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur != limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) (void)::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<std::uint64_t>(limit.rlim_cur);
}

/// VmRSS of a process on this machine in KiB, or -1.
long long residentKib(long pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
    }
    return -1;
}

/// Waits until `done()` or `limit` passed; true when done.
template <class Done>
bool waitFor(Done done, std::chrono::seconds limit) {
    const auto deadline = FleetClock::now() + limit;
    while (!done()) {
        if (FleetClock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

/// Fleet connections are mostly idle: the shared set-up plus buffers released between requests.
protocols::Status configureTls(const FleetOptions& options, boost::asio::ssl::context& tls) {
    if (auto status = configureTerminalTls(options.pki_dir, options.terminal_cert, tls);
        !status.ok()) {
        return status;
    }
    // An idle terminal needs no read or write buffer between requests; without this the
    // client would hold ~34 KiB per connection for nothing.
    SSL_CTX_set_mode(tls.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    return protocols::Status::okStatus();
}

struct Totals {
    std::array<std::uint64_t, kTerminalRoles> established{}, open_failed{}, lost{};
    std::uint64_t checks_ok = 0, checks_failed = 0, unsent = 0;
    LatencyHistogram active_latency;
    std::array<LatencyHistogram, 2> probe_latency;
    std::array<std::uint64_t, 2> probes_failed{}, probes_unfinished{};
    std::uint64_t abusive_opened = 0, abusive_connect_failed = 0, abusive_dropped = 0;
    LatencyHistogram abusive_lifetime;
    std::map<std::string, std::uint64_t> errors;
};

Totals mergeShards(const std::vector<std::unique_ptr<FleetShard>>& shards) {
    Totals totals;
    for (const auto& shard : shards) {
        const ShardStats& stats = shard->result();
        for (std::size_t r = 0; r < kTerminalRoles; ++r) {
            totals.established[r] += stats.established[r];
            totals.open_failed[r] += stats.open_failed[r];
            totals.lost[r] += stats.lost[r];
        }
        totals.checks_ok += stats.checks_ok;
        totals.checks_failed += stats.checks_failed;
        totals.unsent += stats.unsent;
        totals.active_latency.merge(stats.active_latency);
        for (std::size_t p = 0; p < 2; ++p) {
            totals.probe_latency[p].merge(stats.probe_latency[p]);
            totals.probes_failed[p] += stats.probes_failed[p];
            totals.probes_unfinished[p] += stats.probes_unfinished[p];
        }
        totals.abusive_opened += stats.abusive_opened;
        totals.abusive_connect_failed += stats.abusive_connect_failed;
        totals.abusive_dropped += stats.abusive_dropped;
        totals.abusive_lifetime.merge(stats.abusive_lifetime);
        stats.errors.mergeInto(totals.errors);
    }
    return totals;
}

/// Splits `total` over the shards: shard i gets its share (the first ones one more).
int shareOf(int total, int shards, int index) {
    return total / shards + (index < total % shards ? 1 : 0);
}

double seconds(FleetClock::duration d) { return std::chrono::duration<double>(d).count(); }

int runFleetMode(const FleetOptions& options, std::vector<std::unique_ptr<FleetShard>>& shards,
                 nlohmann::json& report) {
    const int shard_count = static_cast<int>(shards.size());
    auto settledAll = [&](TerminalRole role, int wanted) {
        return [&shards, role, wanted] {
            int settled = 0;
            for (const auto& shard : shards) settled += shard->settled(role);
            return settled >= wanted;
        };
    };
    const auto open_limit = std::chrono::seconds(kFleetOpenSecondsMax);
    // 1. The active set first, so the RSS baseline below already holds it.
    for (int i = 0; i < shard_count; ++i) {
        shards[static_cast<std::size_t>(i)]->openTerminals(TerminalRole::active,
                                                           shareOf(options.active, shard_count, i));
    }
    if (!waitFor(settledAll(TerminalRole::active, options.active), open_limit))
        return fail("the active connections did not open in time");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long pid = options.gateway_pid.value_or(0);
    const long long rss_before = pid ? residentKib(pid) : -1;
    // 2. The idle fleet, --open-concurrency attempts in flight per shard.
    const auto open_started = FleetClock::now();
    for (int i = 0; i < shard_count; ++i) {
        shards[static_cast<std::size_t>(i)]->openTerminals(TerminalRole::idle,
                                                           shareOf(options.idle, shard_count, i));
    }
    if (!waitFor(settledAll(TerminalRole::idle, options.idle), open_limit))
        return fail("the idle fleet did not open within " + std::to_string(kFleetOpenSecondsMax) +
                    " s");
    const double open_s = seconds(FleetClock::now() - open_started);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long long rss_idle_open = pid ? residentKib(pid) : -1;
    std::fprintf(stderr, "claimgate-sim fleet: idle fleet open in %.1f s; active load for %.0f s\n",
                 open_s, options.duration_s);
    // 3. Open-loop checks on the active set while the idle fleet stays open.
    const auto start = FleetClock::now() + std::chrono::milliseconds(200);
    const auto deadline = start + std::chrono::duration_cast<FleetClock::duration>(
                                      std::chrono::duration<double>(options.duration_s));
    int first_index = 0;
    for (int i = 0; i < shard_count; ++i) {
        shards[static_cast<std::size_t>(i)]->startActive(start, deadline, first_index,
                                                         options.active);
        first_index += shareOf(options.active, shard_count, i);
    }
    std::this_thread::sleep_until(deadline);
    // Replies still in flight at the deadline get a moment to arrive (then count as lost).
    (void)waitFor(
        [&] {
            int finished = 0;
            for (const auto& shard : shards) finished += shard->activeFinished();
            return finished >= options.active;
        },
        std::chrono::seconds(5));
    const double active_s = seconds(FleetClock::now() - start);
    const long long rss_end = pid ? residentKib(pid) : -1;
    for (auto& shard : shards) shard->stop();

    const Totals totals = mergeShards(shards);
    const auto idle = static_cast<std::size_t>(TerminalRole::idle);
    const auto active = static_cast<std::size_t>(TerminalRole::active);
    const std::uint64_t established = totals.established[idle] + totals.established[active];
    const std::uint64_t lost = totals.lost[idle] + totals.lost[active];
    nlohmann::json rss_per_connection = nullptr;
    if (rss_before > 0 && rss_idle_open > 0 && totals.established[idle] > 0) {
        rss_per_connection = std::round(static_cast<double>(rss_idle_open - rss_before) /
                                        static_cast<double>(totals.established[idle]) * 10.0) /
                             10.0;
    }
    const std::uint64_t checks = totals.checks_ok + totals.checks_failed;
    report = {{"mode", "fleet"},
              {"idle_requested", options.idle},
              {"idle_established", totals.established[idle]},
              {"active_requested", options.active},
              {"active_established", totals.established[active]},
              {"connections_open", established - lost},
              {"connect_failures", totals.open_failed[idle] + totals.open_failed[active]},
              {"connections_lost", lost},
              {"idle_open_s", std::round(open_s * 10.0) / 10.0},
              {"rate", options.rate},
              {"duration_s", std::round(active_s * 1000.0) / 1000.0},
              {"checks", checks},
              {"checks_ok", totals.checks_ok},
              {"checks_failed", totals.checks_failed},
              {"checks_per_s", perSecond(checks, options.duration_s)},
              {"open_loop_unsent", totals.unsent},
              {"latency_ms", latencyJson(totals.active_latency)},
              {"errors", totals.errors},
              {"gateway_rss_kib_before", rss_before},
              {"gateway_rss_kib_idle_open", rss_idle_open},
              {"gateway_rss_kib_end", rss_end},
              {"rss_per_connection_kib", rss_per_connection}};
    const bool clean = lost == 0 && totals.open_failed[idle] + totals.open_failed[active] == 0;
    return clean ? 0 : 4;
}

int runAbuseMode(const FleetOptions& options, std::vector<std::unique_ptr<FleetShard>>& shards,
                 nlohmann::json& report) {
    FleetShard& prober = *shards.front();
    const auto span = [](double s) {
        return std::chrono::duration_cast<FleetClock::duration>(std::chrono::duration<double>(s));
    };
    const auto settle = std::chrono::seconds(2);  // probes still in flight finish
    // 1. Baseline: probes with nothing else on the gateway.
    const auto baseline_start = FleetClock::now() + std::chrono::milliseconds(100);
    const auto baseline_end = baseline_start + span(options.baseline_s);
    prober.startProbes(ProbePhase::baseline, baseline_start, baseline_end);
    std::this_thread::sleep_until(baseline_end + settle);
    // 2. The abusers, spread over the shards, then probes while they stay connected.
    const int shard_count = static_cast<int>(shards.size());
    for (int i = 0; i < shard_count; ++i) {
        shards[static_cast<std::size_t>(i)]->openAbusive(shareOf(options.silent, shard_count, i),
                                                         shareOf(options.dribble, shard_count, i));
    }
    const int abusers = options.silent + options.dribble;
    auto abusiveOpen = [&] {
        int open = 0;
        for (const auto& shard : shards) open += shard->abusiveOpen();
        return open;
    };
    const bool all_open =
        waitFor([&] { return abusiveOpen() >= abusers; }, std::chrono::seconds(10));
    const int open_at_start = abusiveOpen();
    const auto abuse_start = FleetClock::now();
    const auto abuse_end = abuse_start + span(options.duration_s);
    prober.startProbes(ProbePhase::abuse, abuse_start, abuse_end);
    int open_min = open_at_start;
    while (FleetClock::now() < abuse_end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        open_min = std::min(open_min, abusiveOpen());
    }
    std::this_thread::sleep_for(settle);
    for (auto& shard : shards) shard->stop();

    const Totals totals = mergeShards(shards);
    const auto& base = totals.probe_latency[0];
    const auto& abuse = totals.probe_latency[1];
    auto ms = [](std::uint64_t micros) { return static_cast<double>(micros) / 1000.0; };
    const double delay_p50 = ms(abuse.percentileMicros(0.5)) - ms(base.percentileMicros(0.5));
    const double delay_p99 = ms(abuse.percentileMicros(0.99)) - ms(base.percentileMicros(0.99));
    const double delay_max = ms(abuse.maxMicros()) - ms(base.percentileMicros(0.5));
    report = {{"mode", "abuse"},
              {"silent", options.silent},
              {"dribble", options.dribble},
              {"dribble_interval_s", options.dribble_interval_s},
              {"abusive_open_at_start", open_at_start},
              {"abusive_all_open", all_open},
              {"abusive_open_min", open_min},
              {"abusive_opened", totals.abusive_opened},
              {"abusive_connect_failed", totals.abusive_connect_failed},
              {"abusive_dropped_by_gateway", totals.abusive_dropped},
              {"abusive_lifetime_ms", latencyJson(totals.abusive_lifetime)},
              {"probe_rate", options.probe_rate},
              {"baseline_ms", latencyJson(base)},
              {"abuse_ms", latencyJson(abuse)},
              {"probes_failed", {totals.probes_failed[0], totals.probes_failed[1]}},
              {"probes_unfinished", {totals.probes_unfinished[0], totals.probes_unfinished[1]}},
              {"delay_ms",
               {{"p50", delay_p50}, {"p99", delay_p99}, {"max_over_baseline_p50", delay_max}}},
              {"errors", totals.errors}};
    const bool clean = totals.probes_failed[0] + totals.probes_failed[1] +
                           totals.probes_unfinished[0] + totals.probes_unfinished[1] ==
                       0;
    return clean ? 0 : 4;
}

int runFleetCommand(int argc, char** argv) {
    auto parsed = parseFleetOptions(argc, argv);
    if (!parsed) {
        std::fprintf(stderr, "claimgate-sim fleet: %s\n", parsed.status().message().c_str());
        printFleetUsage(stderr);
        return 2;
    }
    if (parsed->help) {
        printFleetUsage(stdout);
        return 0;
    }
    const FleetOptions& options = parsed->options;
    const std::uint64_t descriptors = raiseFileLimit();
    const auto wanted = static_cast<std::uint64_t>(options.idle + options.active + options.silent +
                                                   options.dribble) +
                        64;
    if (descriptors < wanted) {
        return fail("the descriptor limit is " + std::to_string(descriptors) + " (hard limit), " +
                    std::to_string(wanted) + " needed: raise `ulimit -Hn`");
    }
    auto roster = LoadRoster::readFile(options.roster_path);
    if (!roster) return fail(roster.status().message());
    if (roster->size() == 0) return fail("the roster has no rows a terminal may check in person");
    auto endpoint = loadEndpointAddress(options.gateway);
    if (!endpoint) return fail(endpoint.status().message());
    boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
    if (auto status = configureTls(options, tls); !status.ok()) return fail(status.message());

    FleetPlan plan;
    plan.options = &options;
    plan.roster = &roster.value();
    plan.tls = &tls;
    plan.endpoint = endpoint.value();
    plan.host_header = hostHeader(options.gateway);
    std::fprintf(stderr, "claimgate-sim fleet: seed %llu, %d I/O threads, descriptor limit %llu\n",
                 static_cast<unsigned long long>(options.seed), options.io_threads,
                 static_cast<unsigned long long>(descriptors));

    std::vector<std::unique_ptr<FleetShard>> shards;
    for (int i = 0; i < options.io_threads; ++i) {
        shards.push_back(std::make_unique<FleetShard>(plan, i));
        shards.back()->startThread();
    }
    nlohmann::json report;
    const int code = options.abuseMode() ? runAbuseMode(options, shards, report)
                                         : runFleetMode(options, shards, report);
    for (auto& shard : shards) shard->stop();
    if (report.is_null()) return code;
    report["gateway"] = "https://" + plan.host_header;
    report["io_threads"] = options.io_threads;
    report["seed"] = options.seed;
    std::printf("%s\n", report.dump().c_str());
    std::fflush(stdout);
    return code;
}

}  // namespace

CG_SIM_COMMAND(fleet,
               "thousands of idle mTLS terminals + an open-loop active set, or silent and "
               "dribbling peers; JSON",
               runFleetCommand);

}  // namespace claimgate::simulators
