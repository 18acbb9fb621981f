import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

// Extends the generated config (never edited): the nested data source and panels carry their
// own logos, which the generated copy rules (app logos only) leave out.
const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  return merge(baseConfig, {
    plugins: [new CopyWebpackPlugin({ patterns: [{ from: '{datasource,panels/*}/img/*.svg', to: '[path][name][ext]' }] })],
  });
};

export default config;
