// The one exception the store throws: a sentence a user can act on, naming the store's path.
namespace InlineAdvisor.Store;

/// <summary>What went wrong with a store, in one sentence that names the file and what to do.</summary>
public sealed class StoreException : Exception
{
    public StoreException(string path, string message, Exception? inner = null) : base(message, inner) => Path = path;

    /// <summary>The store file involved.</summary>
    public string Path { get; }
}
