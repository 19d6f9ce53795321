using Microsoft.Extensions.Options;

namespace Stockade.Hosting.Monitoring;

/// <summary>Source-generated validation of <see cref="WatchdogOptions"/> (data annotations and <see cref="WatchdogOptions.Validate"/>).</summary>
[OptionsValidator]
internal sealed partial class WatchdogOptionsValidator : IValidateOptions<WatchdogOptions>;
