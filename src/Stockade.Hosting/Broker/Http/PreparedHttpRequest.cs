using System.Net;

namespace Stockade.Hosting.Broker.Http;

/// <summary>A request <see cref="BrokeredHttp.PrepareAsync"/> accepted: its first hop checked and resolved, nothing sent yet.</summary>
internal sealed record PreparedHttpRequest(EgressTarget Target, IPAddress Address, HttpMethod Method, List<KeyValuePair<string, string>> Headers, byte[]? Body);
