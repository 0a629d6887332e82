// SimFs without faults: the FileSystem contract (engine/runtime/file_system.h), misuse
// reported as Status, latency inside fibers, and the trace events every call emits.
#include <gtest/gtest.h>

#include "tests/sim/sim_fs_harness.h"

namespace aurora::sim::testing {
namespace {

TEST(SimFsBasic, OpenModes) {
  Disk d(1);
  SimFs& fs = d.fs;
  EXPECT_EQ(fs.open("f", OpenMode::kOpenExisting).kind(), ErrorKind::kNotFound);
  FileHandle a = open_ok(fs, "f", OpenMode::kCreate);
  write_ok(fs, a, 0, "hello");
  // kCreate on an existing file opens it: same data, not truncated.
  FileHandle b = open_ok(fs, "f", OpenMode::kCreate);
  EXPECT_EQ(*read_str(fs, b, 0, 10), "hello");
  FileHandle c = open_ok(fs, "f", OpenMode::kOpenExisting);
  EXPECT_EQ(*read_str(fs, c, 0, 10), "hello");
  EXPECT_NE(a, b);
  EXPECT_EQ(fs.open("f", OpenMode::kCreateExclusive).kind(), ErrorKind::kAlreadyExists);
  FileHandle e = open_ok(fs, "g", OpenMode::kCreateExclusive);
  EXPECT_EQ(*fs.size(e), 0u);
  EXPECT_EQ(fs.all_files(), (std::vector<std::string>{"f", "g"}));
}

TEST(SimFsBasic, OpenRejectsDirectoriesMissingParentsAndBadPaths) {
  Disk d(1);
  SimFs& fs = d.fs;
  ASSERT_TRUE(fs.mkdir("dir").is_ok());
  EXPECT_EQ(fs.open("dir", OpenMode::kCreate).kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(fs.open("nodir/f", OpenMode::kCreate).kind(), ErrorKind::kNotFound);
  for (std::string_view bad : {"", "/", "a//b", "/a", "a/", "./a", "a/..", "dir/."}) {
    EXPECT_EQ(fs.open(bad, OpenMode::kCreate).kind(), ErrorKind::kInvalidArgument) << bad;
  }
  FileHandle f = open_ok(fs, "dir/f");
  EXPECT_EQ(fs.open("dir/f/x", OpenMode::kCreate).kind(), ErrorKind::kNotFound)
      << "a file is not a directory";
  EXPECT_TRUE(fs.close(f).is_ok());
}

TEST(SimFsBasic, WriteAndReadBack) {
  Disk d(2);
  SimFs& fs = d.fs;
  FileHandle h = open_ok(fs, "f");
  write_ok(fs, h, 0, "0123456789");
  EXPECT_EQ(*read_str(fs, h, 0, 10), "0123456789");
  EXPECT_EQ(*read_str(fs, h, 3, 4), "3456");
  // Crossing the end: a short count, not an error.
  EXPECT_EQ(*read_str(fs, h, 8, 10), "89");
  // At the end: zero bytes. Past the end: kOutOfRange.
  EXPECT_EQ(*read_str(fs, h, 10, 4), "");
  EXPECT_EQ(read_str(fs, h, 11, 4).kind(), ErrorKind::kOutOfRange);
  // Overwrite in the middle.
  write_ok(fs, h, 2, "ab");
  EXPECT_EQ(*read_str(fs, h, 0, 10), "01ab456789");
  // A write past the end fills the gap with zeros.
  write_ok(fs, h, 12, "xy");
  EXPECT_EQ(*fs.size(h), 14u);
  EXPECT_EQ(*read_str(fs, h, 8, 6), std::string("89\0\0xy", 6));
  // A zero-length write changes nothing and succeeds.
  Result<std::size_t> zero = fs.pwrite(h, 100, {});
  ASSERT_TRUE(zero.is_ok());
  EXPECT_EQ(*zero, 0u);
  EXPECT_EQ(*fs.size(h), 14u);
}

TEST(SimFsBasic, AppendWritesAtTheEnd) {
  Disk d(3);
  SimFs& fs = d.fs;
  FileHandle h = open_ok(fs, "log");
  append_ok(fs, h, "abc");
  append_ok(fs, h, "de");
  write_ok(fs, h, 10, "!");
  append_ok(fs, h, "f");
  EXPECT_EQ(fs.live_contents("log"), std::string("abcde\0\0\0\0\0!f", 12));
  EXPECT_EQ(fs.pending_ops("log"), 4u);
  EXPECT_EQ(d.sink.last("fs.write").fields.at("off"), "11");
}

TEST(SimFsBasic, TruncateExtendsWithZerosAndShrinks) {
  Disk d(4);
  SimFs& fs = d.fs;
  FileHandle h = open_ok(fs, "f");
  write_ok(fs, h, 0, "abcdef");
  ASSERT_TRUE(fs.truncate(h, 3).is_ok());
  EXPECT_EQ(*fs.size(h), 3u);
  EXPECT_EQ(fs.live_contents("f"), "abc");
  ASSERT_TRUE(fs.truncate(h, 6).is_ok());
  EXPECT_EQ(fs.live_contents("f"), std::string("abc\0\0\0", 6)) << "shrunk bytes do not return";
  ASSERT_TRUE(fs.truncate(h, 0).is_ok());
  EXPECT_EQ(fs.live_contents("f"), "");
  EXPECT_EQ(fs.pending_ops("f"), 4u);
  sync_ok(fs, h);
  EXPECT_EQ(fs.pending_ops("f"), 0u);
}

TEST(SimFsBasic, SyncMakesLiveDurable) {
  Disk d(5);
  SimFs& fs = d.fs;
  FileHandle h = open_ok(fs, "f");
  write_ok(fs, h, 0, "abc");
  EXPECT_EQ(fs.durable_contents("f"), std::nullopt) << "the name is not durable yet";
  sync_dir_ok(fs, "");
  EXPECT_EQ(fs.durable_contents("f"), "") << "the name is durable, the data is not";
  EXPECT_EQ(fs.pending_ops("f"), 1u);
  sync_ok(fs, h);
  EXPECT_EQ(fs.durable_contents("f"), "abc");
  EXPECT_EQ(fs.pending_ops("f"), 0u);
  ASSERT_TRUE(fs.truncate(h, 1).is_ok());
  write_ok(fs, h, 4, "z");
  sync_ok(fs, h);
  EXPECT_EQ(fs.durable_contents("f"), std::string("a\0\0\0z", 5));
}

TEST(SimFsBasic, ListIsSortedAndChecksItsArgument) {
  Disk d(6);
  SimFs& fs = d.fs;
  for (std::string_view name : {"b", "a", "c"}) ASSERT_TRUE(fs.close(open_ok(fs, name)).is_ok());
  ASSERT_TRUE(fs.mkdir("d").is_ok());
  ASSERT_TRUE(fs.close(open_ok(fs, "d/z")).is_ok());
  ASSERT_TRUE(fs.close(open_ok(fs, "d/y")).is_ok());
  const std::vector<std::string> root = {"a", "b", "c", "d"};
  EXPECT_EQ(*fs.list(""), root);
  EXPECT_EQ(*fs.list("/"), root);
  EXPECT_EQ(*fs.list("d"), (std::vector<std::string>{"y", "z"}));
  EXPECT_EQ(fs.list("a").kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(fs.list("nope").kind(), ErrorKind::kNotFound);
  EXPECT_EQ(fs.all_files(), (std::vector<std::string>{"a", "b", "c", "d/y", "d/z"}));
}

TEST(SimFsBasic, MkdirNeedsItsParentAndANewName) {
  Disk d(7);
  SimFs& fs = d.fs;
  EXPECT_EQ(fs.mkdir("a/b").kind(), ErrorKind::kNotFound);
  ASSERT_TRUE(fs.mkdir("a").is_ok());
  ASSERT_TRUE(fs.mkdir("a/b").is_ok());
  EXPECT_EQ(fs.mkdir("a").kind(), ErrorKind::kAlreadyExists);
  EXPECT_EQ(fs.mkdir("").kind(), ErrorKind::kAlreadyExists);
  EXPECT_EQ(fs.mkdir("a//c").kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(*fs.list("a"), (std::vector<std::string>{"b"}));
}

TEST(SimFsBasic, RenameReplacesTheTarget) {
  Disk d(8);
  SimFs& fs = d.fs;
  FileHandle a = open_ok(fs, "a");
  write_ok(fs, a, 0, "new");
  FileHandle b = open_ok(fs, "b");
  write_ok(fs, b, 0, "old");
  ASSERT_TRUE(fs.rename("a", "b").is_ok());
  EXPECT_FALSE(*fs.exists("a"));
  EXPECT_EQ(fs.live_contents("b"), "new");
  // The replaced file lives on through its open handle; the renamed one too.
  EXPECT_EQ(*read_str(fs, b, 0, 3), "old");
  write_ok(fs, a, 3, "er");
  EXPECT_EQ(fs.live_contents("b"), "newer");
  EXPECT_EQ(*fs.list(""), (std::vector<std::string>{"b"}));
  // Across directories, and renaming a name to itself.
  ASSERT_TRUE(fs.mkdir("d").is_ok());
  ASSERT_TRUE(fs.rename("b", "d/c").is_ok());
  EXPECT_EQ(fs.live_contents("d/c"), "newer");
  ASSERT_TRUE(fs.rename("d/c", "d/c").is_ok());
  EXPECT_EQ(fs.all_files(), (std::vector<std::string>{"d/c"}));
}

TEST(SimFsBasic, RenameRejectsMisuse) {
  Disk d(9);
  SimFs& fs = d.fs;
  ASSERT_TRUE(fs.mkdir("d").is_ok());
  ASSERT_TRUE(fs.mkdir("d/e").is_ok());
  ASSERT_TRUE(fs.close(open_ok(fs, "f")).is_ok());
  EXPECT_EQ(fs.rename("missing", "x").kind(), ErrorKind::kNotFound);
  EXPECT_EQ(fs.rename("f", "nodir/x").kind(), ErrorKind::kNotFound);
  EXPECT_EQ(fs.rename("d", "d/e/d").kind(), ErrorKind::kInvalidArgument) << "into itself";
  EXPECT_EQ(fs.rename("f", "d").kind(), ErrorKind::kInvalidArgument) << "file over directory";
  EXPECT_EQ(fs.rename("", "x").kind(), ErrorKind::kInvalidArgument);
  // A directory may move, and its subtree with it.
  ASSERT_TRUE(fs.close(open_ok(fs, "d/e/g")).is_ok());
  ASSERT_TRUE(fs.rename("d", "dd").is_ok());
  EXPECT_EQ(fs.all_files(), (std::vector<std::string>{"dd/e/g", "f"}));
}

TEST(SimFsBasic, UnlinkKeepsOpenHandlesWorking) {
  Disk d(10);
  SimFs& fs = d.fs;
  FileHandle h = open_ok(fs, "f");
  write_ok(fs, h, 0, "data");
  ASSERT_TRUE(fs.unlink("f").is_ok());
  EXPECT_FALSE(*fs.exists("f"));
  EXPECT_TRUE(fs.list("")->empty());
  EXPECT_EQ(fs.live_contents("f"), std::nullopt);
  EXPECT_EQ(*read_str(fs, h, 0, 4), "data");
  append_ok(fs, h, "++");
  EXPECT_EQ(*read_str(fs, h, 0, 10), "data++");
  sync_ok(fs, h);
  EXPECT_TRUE(fs.close(h).is_ok());
  // A new file under the same name is a different file.
  FileHandle g = open_ok(fs, "f", OpenMode::kCreateExclusive);
  EXPECT_EQ(*fs.size(g), 0u);
  EXPECT_EQ(fs.unlink("missing").kind(), ErrorKind::kNotFound);
  ASSERT_TRUE(fs.mkdir("d").is_ok());
  EXPECT_EQ(fs.unlink("d").kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(fs.unlink("").kind(), ErrorKind::kInvalidArgument);
}

TEST(SimFsBasic, Exists) {
  Disk d(11);
  SimFs& fs = d.fs;
  ASSERT_TRUE(fs.mkdir("d").is_ok());
  ASSERT_TRUE(fs.close(open_ok(fs, "d/f")).is_ok());
  EXPECT_TRUE(*fs.exists(""));
  EXPECT_TRUE(*fs.exists("/"));
  EXPECT_TRUE(*fs.exists("d"));
  EXPECT_TRUE(*fs.exists("d/f"));
  EXPECT_FALSE(*fs.exists("d/g"));
  EXPECT_FALSE(*fs.exists("x/y")) << "a missing parent means the name does not exist";
  EXPECT_EQ(fs.exists("d//f").kind(), ErrorKind::kInvalidArgument);
}

TEST(SimFsBasic, MisuseIsAStatusNeverACrash) {
  Disk d(12);
  SimFs& fs = d.fs;
  std::byte buf[4];
  for (FileHandle bad : {FileHandle{}, FileHandle{999}}) {
    EXPECT_EQ(fs.pread(bad, 0, buf).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs.pwrite(bad, 0, as_bytes("x")).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs.append(bad, as_bytes("x")).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs.truncate(bad, 0).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs.size(bad).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs.sync(bad).kind(), ErrorKind::kBadHandle);
    EXPECT_EQ(fs.close(bad).kind(), ErrorKind::kBadHandle);
  }
  FileHandle h = open_ok(fs, "f");
  write_ok(fs, h, 0, "abc");
  EXPECT_EQ(fs.pread(h, 4, buf).kind(), ErrorKind::kOutOfRange);
  ASSERT_TRUE(fs.close(h).is_ok());
  EXPECT_EQ(fs.close(h).kind(), ErrorKind::kBadHandle) << "double close";
  EXPECT_EQ(fs.pread(h, 0, buf).kind(), ErrorKind::kBadHandle);
  EXPECT_EQ(fs.pwrite(h, 0, as_bytes("x")).kind(), ErrorKind::kBadHandle);
  EXPECT_EQ(fs.sync(h).kind(), ErrorKind::kBadHandle);
  EXPECT_EQ(fs.sync_dir("f").kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(fs.sync_dir("missing").kind(), ErrorKind::kNotFound);
  EXPECT_EQ(fs.live_contents("f"), "abc") << "nothing above changed the file";
}

TEST(SimFsBasic, EveryCallFailsWhileTheDiskIsDownAndOldHandlesStayDead) {
  Disk d(13);
  SimFs& fs = d.fs;
  make_durable_file(fs, "f", "abc");
  FileHandle h = open_ok(fs, "f");
  fs.crash();
  EXPECT_FALSE(fs.up());
  std::byte buf[4];
  EXPECT_EQ(fs.open("f", OpenMode::kCreate).kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.pread(h, 0, buf).kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.pwrite(h, 0, as_bytes("x")).kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.append(h, as_bytes("x")).kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.truncate(h, 0).kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.size(h).kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.sync(h).kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.close(h).kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.mkdir("d").kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.sync_dir("").kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.rename("f", "g").kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.unlink("f").kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.list("").kind(), ErrorKind::kNodeDown);
  EXPECT_EQ(fs.exists("f").kind(), ErrorKind::kNodeDown);
  fs.restart();
  EXPECT_TRUE(fs.up());
  EXPECT_EQ(fs.pread(h, 0, buf).kind(), ErrorKind::kBadHandle) << "handle of the last life";
  EXPECT_EQ(fs.close(h).kind(), ErrorKind::kBadHandle);
  FileHandle fresh = open_ok(fs, "f", OpenMode::kOpenExisting);
  EXPECT_NE(fresh, h) << "handle ids are never reused";
  EXPECT_EQ(*read_str(fs, fresh, 0, 4), "abc");
}

TEST(SimFsBasic, CallsInFibersTakeSimulatedTime) {
  FaultConfig config = FaultConfig::none();
  config.latency_min = 10 * kMicrosecond;
  config.latency_max = 20 * kMicrosecond;
  Disk d(14, config);
  // Outside fibers: no time passes.
  FileHandle h = open_ok(d.fs, "f");
  write_ok(d.fs, h, 0, "abc");
  EXPECT_EQ(d.time.now(), 0);
  d.run([&] {
    for (int i = 0; i < 10; ++i) {
      const Nanos before = d.sched.now();
      write_ok(d.fs, h, 0, "abc");
      const Nanos took = d.sched.now() - before;
      EXPECT_GE(took, config.latency_min);
      EXPECT_LE(took, config.latency_max);
    }
  });
  EXPECT_GE(d.time.now(), 10 * config.latency_min);
}

TEST(SimFsBasic, ACrashDuringAnOperationFailsItAndItNeverLands) {
  FaultConfig config = FaultConfig::none();
  config.latency_min = config.latency_max = kMillisecond;
  Disk d(15, config);
  make_durable_file(d.fs, "f", "old");
  FileHandle h = open_ok(d.fs, "f");
  Status write_status;
  d.sched.spawn(0, "writer", [&] {
    Result<std::size_t> n = d.fs.pwrite(h, 0, as_bytes("new"));
    write_status = n.status();
  });
  d.sched.spawn(1, "crasher", [&] {
    d.sched.sleep_for(kMillisecond / 2);  // the write is in flight now
    d.fs.crash(CrashMode::kSubset);
  });
  ASSERT_EQ(d.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(write_status.kind(), ErrorKind::kNodeDown);
  d.fs.restart();
  EXPECT_EQ(d.fs.live_contents("f"), "old");
}

TEST(SimFsBasic, EveryCallEmitsATraceEvent) {
  Disk d(16);
  SimFs& fs = d.fs;
  ASSERT_TRUE(fs.mkdir("d").is_ok());
  FileHandle h = open_ok(fs, "d/f");
  write_ok(fs, h, 0, "ab");
  append_ok(fs, h, "c");
  EXPECT_EQ(*read_str(fs, h, 0, 3), "abc");
  ASSERT_TRUE(fs.truncate(h, 2).is_ok());
  EXPECT_EQ(*fs.size(h), 2u);
  sync_ok(fs, h);
  sync_dir_ok(fs, "d");
  ASSERT_TRUE(fs.rename("d/f", "d/g").is_ok());
  EXPECT_TRUE(*fs.exists("d/g"));
  EXPECT_EQ(fs.list("d")->size(), 1u);
  ASSERT_TRUE(fs.unlink("d/g").is_ok());
  ASSERT_TRUE(fs.close(h).is_ok());
  fs.crash();
  fs.restart();
  for (std::string_view kind : {"fs.mkdir", "fs.open", "fs.read", "fs.truncate", "fs.size",
                                "fs.fsync", "fs.sync_dir", "fs.rename", "fs.exists", "fs.list",
                                "fs.unlink", "fs.close", "disk.crash", "disk.restart"}) {
    EXPECT_EQ(d.sink.count(kind), 1u) << kind;
  }
  EXPECT_EQ(d.sink.count("fs.write"), 2u);
  const auto& write = d.sink.last("fs.write");
  EXPECT_EQ(write.fields.at("node"), "n1");
  EXPECT_EQ(write.fields.at("path"), "d/f");
  EXPECT_EQ(write.fields.at("off"), "2");
  EXPECT_EQ(write.fields.at("len"), "1");
  EXPECT_EQ(write.fields.at("ok"), "true");
  EXPECT_EQ(d.sink.last("fs.rename").fields.at("to"), "d/g");
  EXPECT_EQ(d.sink.last("disk.crash").fields.at("mode"), "subset");
  // A failed call says why.
  EXPECT_EQ(fs.open("nope", OpenMode::kOpenExisting).kind(), ErrorKind::kNotFound);
  EXPECT_EQ(d.sink.last("fs.open").fields.at("err"), "NotFound");
  EXPECT_EQ(d.sink.last("fs.open").fields.count("ok"), 0u);
}

TEST(SimFsBasic, FreedFilesDoNotComeBack) {
  // Files deleted and made durably deleted are dropped from memory, and a crash cannot
  // resurrect them.
  Disk d(17);
  SimFs& fs = d.fs;
  for (int i = 0; i < 20; ++i) {
    const std::string name = "seg" + std::to_string(i);
    make_durable_file(fs, name, "x");
    ASSERT_TRUE(fs.unlink(name).is_ok());
    sync_dir_ok(fs, "");
  }
  make_durable_file(fs, "keep", "k");
  fs.crash(CrashMode::kSubset);
  fs.restart();
  EXPECT_EQ(fs.all_files(), (std::vector<std::string>{"keep"}));
}

}  // namespace
}  // namespace aurora::sim::testing
