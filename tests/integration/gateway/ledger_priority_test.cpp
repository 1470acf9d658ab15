// `serve --ledger-nice N` on the real binary: the ledger writer and render threads run at N, the
// I/O threads stay at the process's priority, and a node that may not lower a nice value says so
// once and serves anyway (claimgate/ledger/thread_priority.hpp). Whether lowering is allowed
// depends on where the test runs (root in CI): the child inherits this process's credentials
// and limits, so the test asks the kernel the same question first and checks that branch.
#include "gateway_process.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace claimgate::testing {
namespace {

constexpr int kNice = -4;

/// Thread name -> nice value, for every thread of `pid` (/proc/PID/task/TID/stat, field 19).
std::multimap<std::string, int> threadNices(pid_t pid) {
    std::multimap<std::string, int> nices;
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    DIR* dir = ::opendir(tasks.c_str());
    if (dir == nullptr) return nices;
    while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] == '.') continue;
        std::ifstream stat(tasks + "/" + entry->d_name + "/stat");
        std::string line;
        std::getline(stat, line);
        // "tid (comm) state ppid ..." and comm may hold spaces: fields count from the last ')'.
        const auto close = line.rfind(')');
        const auto open = line.find('(');
        if (close == std::string::npos || open == std::string::npos) continue;
        const std::string name = line.substr(open + 1, close - open - 1);
        std::istringstream rest(line.substr(close + 2));
        std::string field;
        for (int index = 3; index <= 19 && rest >> field; ++index) {
            if (index == 19) nices.emplace(name, std::stoi(field));
        }
    }
    ::closedir(dir);
    return nices;
}

/// Would the kernel let a thread of this process lower its nice value to `nice`?
bool mayLowerNiceTo(int nice) {
    bool allowed = false;
    std::thread([&allowed, nice] {
        allowed = ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice) == 0;
    }).join();
    return allowed;
}

bool warnedOf(const GatewayProcess& gateway) {
    return gateway.allLogs().find("ledger threads keep the default priority") != std::string::npos;
}

TEST(LedgerPriorityTest, TheWriterAndRenderThreadsRunAtTheLedgerNiceValue) {
    TempDir temp("cg-ledger-nice");
    const std::string logs = temp.file("logs");
    ASSERT_EQ(::mkdir(logs.c_str(), 0700), 0);
    GatewayProcess gateway(temp.file("data"), TestPki::shared().dir(), logs,
                           {"--ledger-nice", std::to_string(kNice)});
    ASSERT_TRUE(gateway.start()) << gateway.error();
    const bool allowed = mayLowerNiceTo(kNice);
    const int expected = allowed ? kNice : 0;
    // The kernel keeps 15 characters of a name: "cg-ledger-render" is "cg-ledger-rende".
    const std::vector<std::string> ledger_threads = {"cg-ledger-write", "cg-ledger-rend"};
    auto niceOf = [](const std::multimap<std::string, int>& nices, const std::string& prefix) {
        const auto found = std::find_if(nices.begin(), nices.end(), [&prefix](const auto& thread) {
            return thread.first.rfind(prefix, 0) == 0;
        });
        return found == nices.end() ? std::optional<int>() : std::optional<int>(found->second);
    };
    // Each thread sets its own value first thing, but nothing orders that before the listeners
    // open: on a loaded box (sanitizer builds in CI) it may come a little later.
    std::multimap<std::string, int> nices;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        nices = threadNices(gateway.pid());
        // Refused, the value stays 0 from the start: wait for the warning instead.
        const bool settled =
            std::all_of(ledger_threads.begin(), ledger_threads.end(),
                        [&](const std::string& name) { return niceOf(nices, name) == expected; }) &&
            (allowed || warnedOf(gateway));
        if (settled || std::chrono::steady_clock::now() > deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const auto& name : ledger_threads) {
        const auto nice = niceOf(nices, name);
        ASSERT_TRUE(nice.has_value()) << name << " not among the node's threads";
        EXPECT_EQ(*nice, expected) << name;
    }
    const auto io = nices.find("cg-io0");
    ASSERT_NE(io, nices.end());
    EXPECT_EQ(io->second, 0) << "the I/O threads keep the process's priority";
    EXPECT_EQ(warnedOf(gateway), !allowed);
    EXPECT_EQ(gateway.terminate(), 0);
}

TEST(LedgerPriorityTest, ANiceValueOutsideItsRangeIsRefusedAtStart) {
    TempDir temp("cg-ledger-nice-bad");
    for (const char* value : {"1", "-21", "x"}) {
        const auto result =
            runCommand({binDir() + "/claimgate-gateway", "serve", "--data-dir", temp.file("data"),
                        "--pki-dir", TestPki::shared().dir(), "--listen", "127.0.0.1:0",
                        "--admin-listen", "127.0.0.1:0", "--ledger-nice", value},
                       temp.file("serve.log"), std::chrono::seconds(20));
        EXPECT_EQ(result.exit_code, 1) << value << ": " << result.output;
        const bool explained =
            result.output.find("--ledger-nice must be -20..0") != std::string::npos ||
            result.output.find("numeric option expected") != std::string::npos;
        EXPECT_TRUE(explained) << value << ": " << result.output;
    }
}

}  // namespace
}  // namespace claimgate::testing
