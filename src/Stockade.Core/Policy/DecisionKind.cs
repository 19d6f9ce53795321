namespace Stockade.Core.Policy;

/// <summary>The outcome of checking one permission.</summary>
public enum DecisionKind
{
    /// <summary>Allowed: declared and granted (or implied by a grant).</summary>
    Granted,

    /// <summary>Refused: the manifest declares nothing that covers it.</summary>
    NotDeclared,

    /// <summary>Refused: declared as required, but nobody granted it.</summary>
    DeclaredNotGranted,

    /// <summary>Not yet allowed: declared as optional; the plugin may ask the user at run time.</summary>
    OptionalAsk,

    /// <summary>Refused: a person explicitly denied it.</summary>
    Denied,

    /// <summary>
    /// Declared, and covered only by narrower grants: what those grants name is allowed (a check of it is
    /// <see cref="Granted"/>), the rest of the declared scope is not. Only in <see cref="SandboxPolicy.Decisions"/>;
    /// the grant review calls it <c>partly-granted</c>.
    /// </summary>
    PartlyGranted,
}
