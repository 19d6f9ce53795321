namespace Stockade.Core;
