// The store as the server sees it: one immutable snapshot (path, index, why it is empty), replaced when the store changes.
using InlineAdvisor.Store;

namespace InlineAdvisor.LanguageServer;

/// <summary>What the server knows of the store right now. <see cref="Index"/> is null when there is nothing to show;
/// <see cref="Message"/> then says why (no file yet, no runs, locked, not a store).</summary>
public sealed record StoreSnapshot(string Path, bool Exists, ProfileIndex? Index, string? Message, (long? LatestRunId, long Runs, long? LatestExperimentId, long Experiments)? Stamp)
{
    /// <summary>Reads the store without ever creating a file: a missing file stays missing (a PostgreSQL store is always there).</summary>
    public static StoreSnapshot Load(string path, double minShare = 0.001,
        Func<InlineAdvisor.Core.RunProfile, Func<InlineAdvisor.Core.CallSite, IReadOnlyList<InlineAdvisor.Core.ExperimentRecord>>, SitePredictions>? predict = null)
    {
        if (!ProfileStore.Exists(path))
            return new StoreSnapshot(path, false, null, $"no store at {path} yet: collect a profile (Collect profile, or `advisor collect --store {path} -- <command>`)", null);
        try
        {
            using var store = ProfileStore.Open(path, TimeSpan.FromSeconds(1));
            var stamp = store.ChangeStamp();
            var index = ProfileIndex.Load(store, minShare, predict);
            return new StoreSnapshot(path, true, index, index is null ? $"{store.Path} has no runs yet: collect a profile" : null, stamp);
        }
        catch (StoreException e)
        {
            return new StoreSnapshot(path, true, null, e.Message, null);
        }
    }

    /// <summary>The store's fingerprint, or null when it is missing or cannot be read now (cheap: one small query).</summary>
    public static (long? LatestRunId, long Runs, long? LatestExperimentId, long Experiments)? ReadStamp(string path)
    {
        if (!ProfileStore.Exists(path)) return null;
        try
        {
            using var store = ProfileStore.Open(path, TimeSpan.FromSeconds(1));
            return store.ChangeStamp();
        }
        catch (StoreException)
        {
            return null;
        }
    }
}
