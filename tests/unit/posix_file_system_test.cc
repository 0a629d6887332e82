// The FileSystem contract (engine/runtime/file_system.h) on real files, and the real
// runtime (fibers on one OS thread, sleeping on the monotonic clock) around it.
//
// Every test works in a fresh directory made with mkdtemp under /tmp and removed after.
#include "engine/runtime/posix/posix_file_system.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/posix/real_runtime.h"
#include "engine/runtime/runtime.h"

namespace aurora {
namespace {

namespace stdfs = std::filesystem;

class PosixFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/aurora-posix-fs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << "mkdtemp failed, errno " << errno;
    root_ = tmpl;
    fs_ = std::make_unique<PosixFileSystem>(root_);
  }
  void TearDown() override {
    fs_.reset();  // closes what a failed test left open
    std::error_code ec;
    stdfs::remove_all(root_, ec);
    EXPECT_FALSE(ec) << "could not remove " << root_ << ": " << ec.message();
  }

  // Test-side access to the real files, independent of the code under test.
  std::string disk_contents(const std::string& rel) const {
    std::ifstream in(root_ + "/" + rel, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  void disk_write(const std::string& rel, const std::string& data) const {
    std::ofstream out(root_ + "/" + rel, std::ios::binary | std::ios::trunc);
    out << data;
  }

  FileHandle open_ok(std::string_view path, OpenMode mode = OpenMode::kCreate) {
    Result<FileHandle> h = fs_->open(path, mode);
    EXPECT_TRUE(h.is_ok()) << h.status().to_string();
    return h.is_ok() ? *h : FileHandle{};
  }
  std::string read_all(FileHandle h) {
    Result<std::uint64_t> size = fs_->size(h);
    EXPECT_TRUE(size.is_ok()) << size.status().to_string();
    if (!size.is_ok()) return {};
    std::string out(*size, '\0');
    Status s = read_exact(*fs_, h, 0, std::as_writable_bytes(std::span(out)));
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    return out;
  }
  void write_ok(FileHandle h, std::uint64_t offset, std::string_view data) {
    Status s = write_all(*fs_, h, offset, as_bytes(data));
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  }
  void close_ok(FileHandle h) {
    Status s = fs_->close(h);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  }

  std::string root_;
  std::unique_ptr<PosixFileSystem> fs_;
};

TEST(ErrnoMapping, MapsTheDocumentedErrnos) {
  EXPECT_EQ(errno_to_error_kind(EIO), ErrorKind::kIoError);
  EXPECT_EQ(errno_to_error_kind(ENOSPC), ErrorKind::kNoSpace);
  EXPECT_EQ(errno_to_error_kind(EDQUOT), ErrorKind::kNoSpace);
  EXPECT_EQ(errno_to_error_kind(ENOENT), ErrorKind::kNotFound);
  EXPECT_EQ(errno_to_error_kind(EEXIST), ErrorKind::kAlreadyExists);
  EXPECT_EQ(errno_to_error_kind(EBADF), ErrorKind::kBadHandle);
  EXPECT_EQ(errno_to_error_kind(EACCES), ErrorKind::kIoError);
  EXPECT_EQ(errno_to_error_kind(EISDIR), ErrorKind::kIoError);
}

TEST_F(PosixFileSystemTest, OpenModes) {
  Result<FileHandle> missing = fs_->open("a", OpenMode::kOpenExisting);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.kind(), ErrorKind::kNotFound);
  EXPECT_NE(missing.status().message().find("'a'"), std::string::npos)
      << "the message names the path: " << missing.status().message();

  FileHandle created = open_ok("a", OpenMode::kCreateExclusive);
  EXPECT_TRUE(created.valid());
  write_ok(created, 0, "hello");
  close_ok(created);

  Result<FileHandle> again = fs_->open("a", OpenMode::kCreateExclusive);
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.kind(), ErrorKind::kAlreadyExists);

  // kCreate and kOpenExisting open what is there, without truncating it.
  FileHandle reopened = open_ok("a", OpenMode::kCreate);
  EXPECT_EQ(read_all(reopened), "hello");
  FileHandle existing = open_ok("a", OpenMode::kOpenExisting);
  EXPECT_EQ(read_all(existing), "hello");
  EXPECT_NE(reopened, existing) << "each open gets its own handle";
  close_ok(reopened);
  close_ok(existing);
  EXPECT_EQ(fs_->open_handle_count(), 0u);
}

TEST_F(PosixFileSystemTest, WriteReadRoundTripAtOffsets) {
  FileHandle h = open_ok("data");
  write_ok(h, 0, "abcdef");
  write_ok(h, 3, "XY");
  EXPECT_EQ(read_all(h), "abcXYf");
  EXPECT_EQ(disk_contents("data"), "abcXYf") << "the bytes are in the real file";

  std::string middle(3, '\0');
  Result<std::size_t> n = fs_->pread(h, 2, std::as_writable_bytes(std::span(middle)));
  ASSERT_TRUE(n.is_ok()) << n.status().to_string();
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(middle, "cXY");

  // Writing past the end extends the file with zeros.
  write_ok(h, 8, "Z");
  EXPECT_EQ(read_all(h), std::string("abcXYf\0\0Z", 9));
  close_ok(h);
}

TEST_F(PosixFileSystemTest, ShortReadOnlyAtEndOfFile) {
  disk_write("f", "0123456789");
  FileHandle h = open_ok("f", OpenMode::kOpenExisting);
  std::string buf(8, '.');
  Result<std::size_t> n = fs_->pread(h, 6, std::as_writable_bytes(std::span(buf)));
  ASSERT_TRUE(n.is_ok()) << n.status().to_string();
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(buf.substr(0, 4), "6789");

  // Starting exactly at the end is not past it: zero bytes.
  n = fs_->pread(h, 10, std::as_writable_bytes(std::span(buf)));
  ASSERT_TRUE(n.is_ok()) << n.status().to_string();
  EXPECT_EQ(*n, 0u);

  // read_exact treats the missing bytes as corruption.
  Status s = read_exact(*fs_, h, 6, std::as_writable_bytes(std::span(buf)));
  EXPECT_EQ(s.kind(), ErrorKind::kCorruption);
  close_ok(h);
}

TEST_F(PosixFileSystemTest, ReadStartingPastEndIsOutOfRange) {
  disk_write("f", "abc");
  FileHandle h = open_ok("f", OpenMode::kOpenExisting);
  std::string buf(4, '.');
  Result<std::size_t> n = fs_->pread(h, 4, std::as_writable_bytes(std::span(buf)));
  ASSERT_FALSE(n.is_ok());
  EXPECT_EQ(n.kind(), ErrorKind::kOutOfRange);
  n = fs_->pread(h, UINT64_MAX, std::as_writable_bytes(std::span(buf)));
  ASSERT_FALSE(n.is_ok());
  EXPECT_EQ(n.kind(), ErrorKind::kOutOfRange);
  close_ok(h);
}

TEST_F(PosixFileSystemTest, AppendWritesAtTheCurrentEnd) {
  FileHandle h = open_ok("log");
  for (std::string_view part : {"one,", "two,", "three"}) {
    Result<std::size_t> n = fs_->append(h, as_bytes(part));
    ASSERT_TRUE(n.is_ok()) << n.status().to_string();
    EXPECT_EQ(*n, part.size());
  }
  EXPECT_EQ(read_all(h), "one,two,three");

  // append follows the size, including changes made through pwrite and truncate.
  write_ok(h, 20, "!");
  ASSERT_TRUE(fs_->append(h, as_bytes("A")).is_ok());
  ASSERT_TRUE(fs_->truncate(h, 3).is_ok());
  ASSERT_TRUE(fs_->append(h, as_bytes("B")).is_ok());
  EXPECT_EQ(read_all(h), "oneB");

  // And pwrite at an offset still lands at that offset (no O_APPEND on the fd).
  write_ok(h, 0, "x");
  EXPECT_EQ(read_all(h), "xneB");
  close_ok(h);
}

TEST_F(PosixFileSystemTest, TruncateShrinksAndExtendsWithZeros) {
  FileHandle h = open_ok("t");
  write_ok(h, 0, "abcdef");
  ASSERT_TRUE(fs_->truncate(h, 2).is_ok());
  Result<std::uint64_t> size = fs_->size(h);
  ASSERT_TRUE(size.is_ok());
  EXPECT_EQ(*size, 2u);
  EXPECT_EQ(read_all(h), "ab");
  ASSERT_TRUE(fs_->truncate(h, 5).is_ok());
  EXPECT_EQ(read_all(h), std::string("ab\0\0\0", 5));
  ASSERT_TRUE(fs_->truncate(h, 0).is_ok());
  EXPECT_EQ(*fs_->size(h), 0u);
  close_ok(h);
}

TEST_F(PosixFileSystemTest, SyncAndSyncDir) {
  ASSERT_TRUE(fs_->mkdir("wal").is_ok());
  FileHandle h = open_ok("wal/000001.log");
  write_ok(h, 0, "record");
  EXPECT_TRUE(fs_->sync(h).is_ok());
  EXPECT_TRUE(fs_->sync_dir("wal").is_ok());
  EXPECT_TRUE(fs_->sync_dir("").is_ok()) << "\"\" names the root directory";
  close_ok(h);

  Status missing = fs_->sync_dir("nope");
  EXPECT_EQ(missing.kind(), ErrorKind::kNotFound) << missing.to_string();
  Status on_file = fs_->sync_dir("wal/000001.log");
  EXPECT_FALSE(on_file.is_ok()) << "sync_dir of a regular file (ENOTDIR)";
}

TEST_F(PosixFileSystemTest, RenameReplacesTheTarget) {
  FileHandle a = open_ok("a");
  write_ok(a, 0, "new contents");
  FileHandle b = open_ok("b");
  write_ok(b, 0, "old");
  ASSERT_TRUE(fs_->rename("a", "b").is_ok());

  Result<std::vector<std::string>> names = fs_->list("");
  ASSERT_TRUE(names.is_ok());
  EXPECT_EQ(*names, std::vector<std::string>{"b"});
  EXPECT_EQ(disk_contents("b"), "new contents");
  // Open handles follow the file, not the name.
  EXPECT_EQ(read_all(a), "new contents");
  EXPECT_EQ(read_all(b), "old");
  close_ok(a);
  close_ok(b);

  Status missing = fs_->rename("a", "c");
  EXPECT_EQ(missing.kind(), ErrorKind::kNotFound);
  EXPECT_NE(missing.message().find("'a'"), std::string::npos) << missing.message();
}

TEST_F(PosixFileSystemTest, UnlinkKeepsOpenHandlesWorking) {
  FileHandle h = open_ok("doomed");
  write_ok(h, 0, "still here");
  ASSERT_TRUE(fs_->unlink("doomed").is_ok());
  Result<bool> there = fs_->exists("doomed");
  ASSERT_TRUE(there.is_ok());
  EXPECT_FALSE(*there);
  EXPECT_EQ(read_all(h), "still here");
  write_ok(h, 0, "S");
  EXPECT_EQ(read_all(h), "Still here");
  EXPECT_TRUE(fs_->sync(h).is_ok());
  close_ok(h);

  EXPECT_EQ(fs_->unlink("doomed").kind(), ErrorKind::kNotFound);
}

TEST_F(PosixFileSystemTest, ListIsSortedWithoutDotEntries) {
  ASSERT_TRUE(fs_->mkdir("d").is_ok());
  for (const char* name : {"d/zeta", "d/alpha", "d/Beta", "d/10", "d/9"}) {
    close_ok(open_ok(name));
  }
  ASSERT_TRUE(fs_->mkdir("d/sub").is_ok());
  Result<std::vector<std::string>> names = fs_->list("d");
  ASSERT_TRUE(names.is_ok()) << names.status().to_string();
  EXPECT_EQ(*names, (std::vector<std::string>{"10", "9", "Beta", "alpha", "sub", "zeta"}));

  Result<std::vector<std::string>> empty = fs_->list("d/sub");
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(fs_->list("missing").kind(), ErrorKind::kNotFound);
}

TEST_F(PosixFileSystemTest, MkdirAndExists) {
  EXPECT_FALSE(*fs_->exists("dir"));
  ASSERT_TRUE(fs_->mkdir("dir").is_ok());
  EXPECT_TRUE(*fs_->exists("dir"));
  EXPECT_EQ(fs_->mkdir("dir").kind(), ErrorKind::kAlreadyExists);
  close_ok(open_ok("dir/f"));
  EXPECT_TRUE(*fs_->exists("dir/f"));
  Result<bool> under_file = fs_->exists("dir/f/g");
  ASSERT_TRUE(under_file.is_ok()) << under_file.status().to_string();
  EXPECT_FALSE(*under_file);
}

TEST_F(PosixFileSystemTest, UnknownAndClosedHandlesAreBadHandles) {
  std::string buf(4, '.');
  auto out = std::as_writable_bytes(std::span(buf));
  for (FileHandle bad : {FileHandle{}, FileHandle{12345}}) {
    EXPECT_EQ(fs_->pread(bad, 0, out).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs_->pwrite(bad, 0, as_bytes("x")).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs_->append(bad, as_bytes("x")).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs_->truncate(bad, 0).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs_->size(bad).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs_->sync(bad).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs_->close(bad).kind(), ErrorKind::kBadHandle);
  }

  // A closed handle stays dead even when the OS reuses its fd number for a newer file:
  // writes through the old handle must not land in the new file.
  FileHandle first = open_ok("first");
  close_ok(first);
  FileHandle second = open_ok("second");
  EXPECT_NE(first.id, second.id) << "handle ids are never reused";
  EXPECT_EQ(fs_->pwrite(first, 0, as_bytes("stale")).kind(), ErrorKind::kBadHandle);
  EXPECT_EQ(fs_->append(first, as_bytes("stale")).kind(), ErrorKind::kBadHandle);
  EXPECT_EQ(fs_->close(first).kind(), ErrorKind::kBadHandle);
  EXPECT_EQ(disk_contents("second"), "");
  close_ok(second);
}

TEST_F(PosixFileSystemTest, PathsOutsideTheRootAreInvalid) {
  for (std::string_view bad :
       {"/etc/passwd", "..", "../x", "a/../b", "a/..", ".", "./a", "a//b", "a/", ""}) {
    SCOPED_TRACE(std::string(bad));
    EXPECT_EQ(fs_->open(bad, OpenMode::kCreate).kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(fs_->mkdir(bad).kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(fs_->unlink(bad).kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(fs_->exists(bad).kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(fs_->rename(bad, "ok").kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(fs_->rename("ok", bad).kind(), ErrorKind::kInvalidArgument);
    if (!bad.empty()) {  // "" is the root for the directory operations
      EXPECT_EQ(fs_->sync_dir(bad).kind(), ErrorKind::kInvalidArgument);
      EXPECT_EQ(fs_->list(bad).kind(), ErrorKind::kInvalidArgument);
    }
  }
}

TEST_F(PosixFileSystemTest, MissingParentIsNotFound) {
  EXPECT_EQ(fs_->open("no/file", OpenMode::kCreate).kind(), ErrorKind::kNotFound);
  EXPECT_EQ(fs_->mkdir("no/dir").kind(), ErrorKind::kNotFound);
  close_ok(open_ok("src"));
  EXPECT_EQ(fs_->rename("src", "no/dst").kind(), ErrorKind::kNotFound);
  EXPECT_EQ(fs_->list("no").kind(), ErrorKind::kNotFound);
}

// Counts this process's open file descriptors (Linux).
std::size_t open_fd_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : stdfs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST_F(PosixFileSystemTest, DestructorClosesEveryHandle) {
  const std::size_t before = open_fd_count();
  {
    PosixFileSystem fs(root_);
    for (const char* name : {"x", "y", "z"}) {
      Result<FileHandle> h = fs.open(name, OpenMode::kCreate);
      ASSERT_TRUE(h.is_ok());
    }
    EXPECT_EQ(fs.open_handle_count(), 3u);
    EXPECT_EQ(open_fd_count(), before + 3);
  }
  EXPECT_EQ(open_fd_count(), before);
}

// A few fibers on the real runtime sleep for real and then append to a shared log. The
// scheduler wakes them in deadline order, so the log is ordered by wake-up time whatever
// order they were spawned in; each one also sees real time at least at its deadline.
// (Only lower bounds on time are asserted, never upper ones.)
TEST_F(PosixFileSystemTest, FibersOnRealRuntimeSleepForRealAndWriteInTimeOrder) {
  RealRuntime real(root_);
  Runtime rt = real.runtime();

  struct Sleeper {
    const char* name;
    Nanos delay;
  };
  const std::vector<Sleeper> sleepers = {
      {"slow", 12 * kMillisecond}, {"fast", 2 * kMillisecond}, {"middle", 7 * kMillisecond}};
  std::vector<Nanos> woke_at(sleepers.size(), 0);

  rt.spawn("setup", [&] {
    ASSERT_TRUE(rt.fs.mkdir("out").is_ok());
    Result<FileHandle> h = rt.fs.open("out/log", OpenMode::kCreateExclusive);
    ASSERT_TRUE(h.is_ok()) << h.status().to_string();
    ASSERT_TRUE(rt.fs.close(*h).is_ok());
  });
  for (std::size_t i = 0; i < sleepers.size(); ++i) {
    rt.spawn(sleepers[i].name, [&, i] {
      const Nanos start = rt.clock.now();
      rt.clock.sleep_for(sleepers[i].delay);
      woke_at[i] = rt.clock.now();
      EXPECT_GE(woke_at[i] - start, sleepers[i].delay) << sleepers[i].name;
      // Each fiber writes its own file and appends its name to the shared log.
      Result<FileHandle> own =
          rt.fs.open(std::string("out/") + sleepers[i].name, OpenMode::kCreateExclusive);
      ASSERT_TRUE(own.is_ok()) << own.status().to_string();
      ASSERT_TRUE(write_all(rt.fs, *own, 0, as_bytes(sleepers[i].name)).is_ok());
      ASSERT_TRUE(rt.fs.sync(*own).is_ok());
      ASSERT_TRUE(rt.fs.close(*own).is_ok());
      Result<FileHandle> h = rt.fs.open("out/log", OpenMode::kOpenExisting);
      ASSERT_TRUE(h.is_ok()) << h.status().to_string();
      ASSERT_TRUE(rt.fs.append(*h, as_bytes(std::string(sleepers[i].name) + "\n")).is_ok());
      ASSERT_TRUE(rt.fs.sync(*h).is_ok());
      ASSERT_TRUE(rt.fs.close(*h).is_ok());
    });
  }
  RunOutcome outcome = real.run();
  ASSERT_EQ(outcome.kind, RunOutcome::Kind::kCompleted) << outcome.describe();
  EXPECT_TRUE(real.fs().sync_dir("out").is_ok());
  EXPECT_EQ(real.fs().open_handle_count(), 0u);

  EXPECT_EQ(disk_contents("out/log"), "fast\nmiddle\nslow\n");
  EXPECT_EQ(disk_contents("out/slow"), "slow");
  EXPECT_EQ(disk_contents("out/fast"), "fast");
  EXPECT_LT(woke_at[1], woke_at[2]);  // fast before middle
  EXPECT_LT(woke_at[2], woke_at[0]);  // middle before slow
  EXPECT_GE(rt.clock.now(), 12 * kMillisecond) << "the run took at least the longest sleep";
}

TEST(RealTimeSource, IsMonotonicAndAdvanceToWaitsUntilTheTarget) {
  RealTimeSource time;
  const Nanos a = time.now();
  EXPECT_GE(a, 0);
  time.advance_to(a + 3 * kMillisecond);
  const Nanos b = time.now();
  EXPECT_GE(b, a + 3 * kMillisecond);
  time.advance_to(0);  // already past: returns at once, time does not go back
  EXPECT_GE(time.now(), b);
}

}  // namespace
}  // namespace aurora
