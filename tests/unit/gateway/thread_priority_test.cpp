// applyLedgerThreadNice (claimgate/ledger/thread_priority.hpp): the nice value is the calling
// thread's alone, 0 changes nothing, and a refusal by the kernel comes back as a status with the
// thread's priority unchanged. Whether this process may lower a nice value depends on where the
// test runs (root in CI, a developer's account elsewhere): each test asserts the branch it is on.
#include <claimgate/ledger/thread_priority.hpp>

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace claimgate::gateway {
namespace {

int niceOfThisThread() {
    errno = 0;
    return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
}

struct Applied {
    protocols::Status status;
    int nice_before = 0;
    int nice_after = 0;
};

/// Runs applyLedgerThreadNice() on a fresh thread with `nice` set process-wide, then puts the
/// setting back to 0.
Applied applyOnNewThread(int nice) {
    setLedgerThreadNice(nice);
    Applied applied;
    std::thread([&applied] {
        applied.nice_before = niceOfThisThread();
        applied.status = applyLedgerThreadNice();
        applied.nice_after = niceOfThisThread();
    }).join();
    setLedgerThreadNice(0);
    return applied;
}

TEST(LedgerThreadNiceTest, ZeroLeavesTheThreadAsItIs) {
    const Applied applied = applyOnNewThread(0);
    EXPECT_TRUE(applied.status.ok());
    EXPECT_EQ(applied.nice_after, applied.nice_before);
}

TEST(LedgerThreadNiceTest, TheValueIsTheCallingThreadsAlone) {
    // Raising a nice value needs no privilege, so this branch runs everywhere.
    const int main_before = niceOfThisThread();
    const Applied applied = applyOnNewThread(main_before + 5);
    ASSERT_TRUE(applied.status.ok()) << applied.status.message();
    EXPECT_EQ(applied.nice_after, main_before + 5);
    EXPECT_EQ(niceOfThisThread(), main_before) << "another thread's priority changed";
}

TEST(LedgerThreadNiceTest, ALowerValueIsAppliedOrRefusedWithTheThreadUnchanged) {
    const Applied applied = applyOnNewThread(-3);
    if (applied.status.ok()) {
        EXPECT_EQ(applied.nice_after, -3);
    } else {
        EXPECT_EQ(applied.nice_after, applied.nice_before);
        EXPECT_NE(applied.status.message().find("LimitNICE="), std::string::npos)
            << applied.status.message();
    }
}

TEST(LedgerThreadNiceTest, TheSettingIsReadBack) {
    setLedgerThreadNice(-7);
    EXPECT_EQ(ledgerThreadNice(), -7);
    setLedgerThreadNice(0);
    EXPECT_EQ(ledgerThreadNice(), 0);
}

}  // namespace
}  // namespace claimgate::gateway
