// CG_ASSERT (protocols/invariant.hpp): always on, says where and what, evaluates once.
#include <claimgate/protocols/invariant.hpp>

#include <gtest/gtest.h>

namespace claimgate::protocols {
namespace {

TEST(InvariantTest, HoldingInvariantCostsOneEvaluation) {
    int evaluations = 0;
    CG_ASSERT(++evaluations == 1, "evaluated exactly once");
    EXPECT_EQ(evaluations, 1);
}

TEST(InvariantDeathTest, ViolationPrintsFileLineConditionAndAborts) {
    const int held_claims = 2;
    EXPECT_DEATH(CG_ASSERT(held_claims <= 1, "one live claim per citizen"),
                 "invariant_test\\.cpp:[0-9]+: invariant violated: held_claims <= 1 "
                 "\\(one live claim per citizen\\)");
}

TEST(InvariantDeathTest, StaysOnWhenNdebugRemovesAssert) {
#ifndef NDEBUG
    GTEST_SKIP() << "this build keeps assert(); the release builds prove the point";
#else
    EXPECT_DEATH(CG_ASSERT(false, "release builds keep it"), "release builds keep it");
#endif
}

}  // namespace
}  // namespace claimgate::protocols
