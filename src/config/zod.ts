// zod, loaded without its locales (./zod-locales.ts): every module of joinkey takes zod from here.
import './zod-locales';

export * as z from 'zod';
