import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// `.openapi(...)` on zod schemas. Imported for its effect by every module that declares an API schema,
// from the lowest layer up, so a schema in model/ or schema/ needs nothing from http/.
extendZodWithOpenApi(z);
