using Microsoft.Extensions.Logging;

namespace Stockade.Hosting.Categories;

/// <summary>Log messages of application categories and named policies (event ids 1800–1819).</summary>
internal static partial class CategoryLog
{
    [LoggerMessage(1800, LogLevel.Warning, "The permission category {Name} recorded in the home was skipped: {Problem}")]
    public static partial void RecordSkipped(ILogger logger, string name, string problem);

    [LoggerMessage(1801, LogLevel.Warning, "The application categories recorded in the home could not be read")]
    public static partial void StoreUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(1802, LogLevel.Warning, "The permission category {Name} could not be recorded in the home; the CLI will not know it")]
    public static partial void NotRecorded(ILogger logger, Exception exception, string name);

    [LoggerMessage(1803, LogLevel.Warning, "The policy {Name} recorded in the home was skipped: {Problem}")]
    public static partial void PolicySkipped(ILogger logger, string name, string problem);
}
