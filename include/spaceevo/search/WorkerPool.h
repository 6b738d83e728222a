//===- WorkerPool.h - A tiny fixed thread pool ------------------*- C++ -*-===//
//
// parallelFor(n, task) runs task(0..n-1) on the pool's threads plus the
// calling thread and returns when all are done. Callers make results
// independent of the thread count by writing task i's output to slot i and
// combining slots in index order afterwards.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SEARCH_WORKERPOOL_H
#define SPACEEVO_SEARCH_WORKERPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace spaceevo::search {

class WorkerPool {
public:
  /// `threadCount` threads in total, the caller included (so 1 means no
  /// extra thread); 0 means std::thread::hardware_concurrency(). If the
  /// system refuses to start threads, the pool runs with fewer.
  explicit WorkerPool(unsigned threadCount = 1);
  ~WorkerPool();
  WorkerPool(const WorkerPool &) = delete;
  WorkerPool &operator=(const WorkerPool &) = delete;

  /// Threads that run tasks, the caller included.
  unsigned threadCount() const { return static_cast<unsigned>(workers.size()) + 1; }

  /// Runs task(i) for i in [0, taskCount). Not reentrant: a task must not
  /// call parallelFor on the same pool. Calls from several threads are
  /// serialised.
  void parallelFor(size_t taskCount, const std::function<void(size_t)> &task);

private:
  void workerLoop();
  void runTasks();

  std::vector<std::thread> workers;
  std::mutex callMutex; // serialises parallelFor calls
  std::mutex mutex;
  std::condition_variable wakeWorkers;
  std::condition_variable workersDone;
  const std::function<void(size_t)> *currentTask = nullptr;
  size_t currentCount = 0;
  std::atomic<size_t> nextIndex{0};
  uint64_t generation = 0;
  unsigned busyWorkers = 0;
  bool stopping = false;
};

} // namespace spaceevo::search

#endif // SPACEEVO_SEARCH_WORKERPOOL_H
