#include <claimgate/protocols/random_bytes.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace claimgate::protocols {
namespace {

std::string draw(std::size_t size) {
    std::string bytes(size, '\0');
    fillRandomBytes(bytes.data(), bytes.size());
    return bytes;
}

TEST(RandomBytesTest, DrawsAcrossManyBlocksNeverRepeat) {
    // 9 bytes is a claim id's random part; 20,000 of them span ~350 blocks, so every refill and
    // every draw that straddles a block's end is crossed. A repeat (a block handed out twice, or
    // a draw overlapping the previous one) would show as a duplicate.
    std::set<std::string> seen;
    for (int i = 0; i < 20000; ++i) {
        EXPECT_TRUE(seen.insert(draw(9)).second) << "draw " << i << " repeated an earlier one";
    }
}

TEST(RandomBytesTest, EverySizeUpToAndPastTheBlockIsFilled) {
    // All-zero output is what a copy from a wiped or unfilled block would give. For 8 bytes or
    // more, the chance that a real draw is all zero is below 2^-64.
    for (std::size_t size : {std::size_t{8}, std::size_t{64}, kRandomBlockBytes - 1,
                             kRandomBlockBytes, kRandomBlockBytes + 1, 4 * kRandomBlockBytes}) {
        const std::string bytes = draw(size);
        EXPECT_NE(bytes, std::string(size, '\0')) << "size " << size;
    }
    fillRandomBytes(nullptr, 0);  // nothing asked, nothing written
}

TEST(RandomBytesTest, ThreadsNeverShareBytes) {
    constexpr std::size_t kThreads = 8;
    constexpr int kDrawsEach = 2000;
    std::vector<std::vector<std::string>> drawn(kThreads);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([&drawn, t] {
            for (int i = 0; i < kDrawsEach; ++i) drawn[t].push_back(draw(16));
        });
    }
    for (auto& thread : threads) thread.join();
    std::set<std::string> seen;
    for (const auto& per_thread : drawn) {
        for (const auto& bytes : per_thread) EXPECT_TRUE(seen.insert(bytes).second);
    }
    EXPECT_EQ(seen.size(), kThreads * static_cast<std::size_t>(kDrawsEach));
}

TEST(RandomBytesTest, AForkedChildDoesNotRepeatItsParentsBlock) {
    // Leave most of this thread's block unread, so that without the fork handler the child
    // and the parent would both hand out its next bytes.
    (void)draw(16);
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        const std::string bytes = draw(32);
        const bool written =
            ::write(pipe_fds[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
        ::_exit(written ? 0 : 1);
    }
    ::close(pipe_fds[1]);
    const std::string parent = draw(32);
    std::array<char, 32> from_child{};
    std::size_t got = 0;
    while (got < from_child.size()) {
        const ssize_t n = ::read(pipe_fds[0], from_child.data() + got, from_child.size() - got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(pipe_fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_EQ(got, from_child.size());
    EXPECT_NE(std::string(from_child.data(), from_child.size()), parent)
        << "the child handed out the bytes its parent hands out next";
}

}  // namespace
}  // namespace claimgate::protocols
