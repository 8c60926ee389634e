// Case "threads": a stress workload for the profiler, not a single inlining pattern.
// Literature: the inlining cases above run many-threaded, as in server workloads where a sampling profiler
// (EventPipe's SampleProfiler suspends the runtime about once per millisecond and walks every managed thread)
// must attribute samples across many stacks. 60 managed threads take turns through a gate with one slot per core
// but one, each turn running a few short work items (a few µs each) of the other cases' hot code. The gate keeps the
// number of runnable threads near the core count: with 60 threads all runnable, each runtime suspension waits
// for every thread to be scheduled, and the sampler manages only ~40 ticks/s (measured: 68k samples in 30 s);
// with waiters blocked (preemptive mode) suspension is quick and every tick yields ~60 samples.
// Deterministic: each item's result depends only on its index, and results are summed (order-independent).
using System.Diagnostics;

namespace InlineSamples;

/// <summary>Read-only inputs shared by all workers.</summary>
public sealed class SharedInputs
{
    public readonly byte[] Bytes = new byte[4096];
    public readonly int[] Kinds = new int[1024], Sizes = new int[1024], Flags = new int[1024];
    public readonly int[] Data = new int[4096], Starts = new int[256];
    public readonly GenericInputs Generic = new(64, 6);
    public readonly IPricer[] Pricers = InterfaceCase.MakePricers(1024, 7);

    public SharedInputs()
    {
        var r = new SplitMix64(8);
        for (int i = 0; i < Bytes.Length; i++) Bytes[i] = (byte)r.Next();
        for (int i = 0; i < Kinds.Length; i++) { Kinds[i] = r.NextInt(64); Sizes[i] = r.NextInt(2000); Flags[i] = r.NextInt(16); }
        for (int i = 0; i < Data.Length; i++) Data[i] = (int)r.Next();
        for (int i = 0; i < Starts.Length; i++) Starts[i] = r.NextInt(Data.Length - 8);
    }
}

public static class WorkItems
{
    /// <summary>One short work item, picked by index from the other cases' hot code.</summary>
    public static ulong RunItem(int k, SharedInputs s, GrowableIntList list)
    {
        switch (k % 6)
        {
            case 0: return ByteHasher.HashBlock(s.Bytes, (ulong)k);
            case 1: return (ulong)PacketScorer.ScoreAll(s.Kinds, s.Sizes, s.Flags);
            case 2: return (ulong)WindowSummer.SumWindows(s.Data, s.Starts, 8);
            case 3: list.Clear(); ListFiller.Fill(list, 4096, k); return ListFiller.Digest(list);
            case 4: return GenericFolder.FoldAll(s.Generic);
            default: return (ulong)PriceTotaler.Total(s.Pricers, k);
        }
    }
}

public static class ThreadsCase
{
    public const string Name = "threads";
    public const string Description = "stress: 60 managed threads running short items of the other cases' code (~20 s, ~1M samples)";

    public const int ThreadCount = 60;
    private const int ItemsAtScale1 = 3_500_000;

    public static ulong Run(double scale) => Execute(scale).Checksum;

    public static CaseResult Execute(double scale)
    {
        int total = Harness.Batches(ItemsAtScale1, scale);
        int warm = Math.Clamp((int)(total * Harness.WarmupFraction), 1, total - 1);
        using var pool = new WorkerPool(ThreadCount, warm, total, new SharedInputs());
        var (sum, seconds) = pool.Run();
        return new CaseResult(Name, sum, (total - warm) / Math.Max(seconds, 1e-9), "items");
    }
}

/// <summary>The 60 workers, the gate they take turns through and the shared item counters.</summary>
public sealed class WorkerPool : IDisposable
{
    private const int ItemsPerTurn = 16;  // ~50-100 µs of work per turn through the gate

    private readonly int _threadCount, _warm, _total;
    private readonly SharedInputs _inputs;
    // One slot per core but one: the other workers wait (blocked, not spinning) for their turn, and a core stays
    // free for the sampler thread and the profiler draining the stream. Measured on 2 cores with 60 threads:
    // 2 slots starved the sampler (17k samples/s), 1 slot gave 34k samples/s.
    private readonly SemaphoreSlim _gate = new(Math.Max(1, Environment.ProcessorCount - 1));
    private readonly Barrier _barrier;
    private int _nextWarm = -1, _next;
    private long _sum, _measuredStart;

    public WorkerPool(int threadCount, int warm, int total, SharedInputs inputs)
    {
        _threadCount = threadCount; _warm = warm; _total = total; _inputs = inputs;
        _next = warm - 1;
        // The post-phase action runs once, when every worker has finished the warm-up items.
        _barrier = new Barrier(threadCount, _ => _measuredStart = Stopwatch.GetTimestamp());
    }

    /// <summary>Runs all items on the worker threads; returns the summed checksum and the measured seconds.</summary>
    public (ulong Sum, double Seconds) Run()
    {
        var threads = new Thread[_threadCount];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(Worker) { Name = $"sample-worker-{t}", IsBackground = true };
            threads[t].Start();
        }
        foreach (var t in threads) t.Join();
        return ((ulong)_sum, Stopwatch.GetElapsedTime(_measuredStart).TotalSeconds);
    }

    private void Worker()
    {
        var list = new GrowableIntList(4096);
        ulong acc = 0;
        while (Turn(ref _nextWarm, _warm, ref acc, list)) { }
        _barrier.SignalAndWait();
        while (Turn(ref _next, _total, ref acc, list)) { }
        Interlocked.Add(ref _sum, (long)acc);
    }

    /// <summary>Claims and runs up to ItemsPerTurn items below end; false when no items are left.</summary>
    private bool Turn(ref int counter, int end, ref ulong acc, GrowableIntList list)
    {
        _gate.Wait();
        try
        {
            for (int j = 0; j < ItemsPerTurn; j++)
            {
                int k = Interlocked.Increment(ref counter);
                if (k >= end) return false;
                acc += Checksum.Combine((ulong)k, WorkItems.RunItem(k, _inputs, list));
            }
            return true;
        }
        finally { _gate.Release(); }
    }

    public void Dispose()
    {
        _gate.Dispose();
        _barrier.Dispose();
    }
}
